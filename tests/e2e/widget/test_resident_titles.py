"""Issue 13, the resident's side, in a real browser (Debian chromium, 390 and 1280 px) against the real
router: a tapped button shows its title – never its payload – live, after a reload, in the saved
transcript and in the kommunvägledare's view; only the latest turn's buttons can be tapped, also after a
reload; every bubble has its local time as <time datetime>; the notice is compact after the first message
and can be shown again; the queue explains its estimate; after "Nej" to "Fick du hjälp?" the resident is
offered a person, the phone and leaving a message. axe-core finds no serious or critical violation in
these states. Screenshots: test-artifacts/widget/resident-*-{390,1280}.png."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.browser import checked_page
from tests.e2e.router_sites import ConsoleSite, log_in_online

HOURS = {"title": "Öppettider", "payload": "/opening_hours"}
PERSON = {"title": "Prata med en kommunvägledare", "payload": "/human_handoff"}
PAYLOADS = re.compile(r"/(opening_hours|human_handoff)")
VIEWPORTS = {390: {"width": 390, "height": 844}, 1280: {"width": 1280, "height": 800}}


ASKS_CONTACT = "Vill du att vi hör av oss? Skriv i så fall ditt telefonnummer eller din e-postadress – det är frivilligt."


def bot_with_buttons(sender: str, text: str) -> list[dict]:
    """The stand-in Rasa: every answer offers the same two buttons, as a greeting does; asked to leave a
    message, it asks for contact details with the marker the domain gives that question."""
    if text == "Jag vill lämna ett meddelande":
        return [
            {"recipient_id": sender, "text": ASKS_CONTACT, "buttons": [{"title": "Hoppa över", "payload": "/deny"}]},
            {"recipient_id": sender, "custom": {"answer": "asks_contact"}},
        ]
    return [{"recipient_id": sender, "text": "Vad vill du veta? Ring 042-10 50 00 om det brådskar.", "buttons": [HOURS, PERSON]}]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path / "router.db", rasa_answer=bot_with_buttons)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def no_blocking_violations(page: Page, axe_path: Path, state: str) -> None:
    blocking = [v for v in run_axe(page, axe_path) if v["impact"] in BLOCKING]
    assert blocking == [], f"{state}: {blocking}"


def conversation_of(page: Page) -> tuple[str, dict[str, str]]:
    """The widget's conversation id and token, from its sessionStorage."""
    saved = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('hbg-chat:')).map(k => sessionStorage[k])[0]")
    data = json.loads(saved)
    return data["id"], {"Authorization": f"Bearer {data['token']}"}


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_button_titles_everywhere_and_only_the_latest_turn_active(
    browser: Browser, site: ConsoleSite, artifacts: Path, axe_path: Path, tmp_path: Path, width: int
) -> None:
    options = {"viewport": VIEWPORTS[width], "timezone_id": "America/New_York"}  # times shown in Stockholm time
    with checked_page(browser, site, **options) as page, checked_page(browser, site) as console:
        page.goto(site.url + "/")
        page.get_by_role("button", name="Chatta med oss").click()
        panel = page.get_by_role("dialog", name="Chatta med Helsingborgs stad")
        textbox = page.get_by_role("textbox", name="Skriv ditt meddelande")
        expect(textbox).to_be_enabled()
        page.screenshot(path=str(artifacts / f"resident-notice-{width}.png"))
        textbox.fill("hej")
        textbox.press("Enter")
        log = page.get_by_role("log", name="Meddelanden")
        expect(log.locator(".hbgc-choice")).to_have_count(2)
        log.get_by_role("button", name=HOURS["title"]).click()

        resident = log.locator(".hbgc-msg--resident .hbgc-bubble")
        expect(resident).to_have_text(["Du: hej", "Du: Öppettider"])
        choices = log.locator(".hbgc-choices")
        expect(choices).to_have_count(2)
        expect(choices.nth(1).get_by_role("button", name=HOURS["title"])).to_be_enabled()
        # Each bubble has its time, in Stockholm time (the browser is set to New York), as <time datetime>.
        times = log.locator("time")
        expect(times).to_have_count(4)
        assert re.fullmatch(r"\d\d\.\d\d", times.first.inner_text())
        stamp = times.first.get_attribute("datetime")
        hour_there = page.evaluate(
            "s => new Intl.DateTimeFormat('sv-SE', {timeZone: 'Europe/Stockholm', hour: '2-digit', hourCycle: 'h23'}).format(new Date(s))",
            stamp,
        )
        assert times.first.inner_text().startswith(hour_there)
        # The notice is one line and a button after the first message, and can be read again.
        toggle = panel.get_by_role("button", name="Visa information om chatten")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        page.screenshot(path=str(artifacts / f"resident-title-live-{width}.png"))

        page.reload()
        expect(resident).to_have_text(["Du: hej", "Du: Öppettider"])
        assert not PAYLOADS.search(log.inner_text())
        expect(choices.nth(0).get_by_role("button", name=HOURS["title"])).to_be_disabled()
        expect(choices.nth(0).get_by_role("button", name=PERSON["title"])).to_be_disabled()
        expect(choices.nth(1).get_by_role("button", name=PERSON["title"])).to_be_enabled()
        toggle.click()
        expect(panel.get_by_role("button", name="Dölj information om chatten")).to_have_attribute("aria-expanded", "true")
        page.screenshot(path=str(artifacts / f"resident-title-reloaded-{width}.png"))
        no_blocking_violations(page, axe_path, f"reloaded with used and active buttons, {width} px")
        panel.get_by_role("button", name="Dölj information om chatten").click()

        with page.expect_download() as download:
            panel.get_by_role("button", name="Spara chatten").click()
        saved = download.value.path().read_text(encoding="utf-8-sig")
        assert "Du: Öppettider" in saved and not PAYLOADS.search(saved)

        choices.nth(1).get_by_role("button", name=PERSON["title"]).click()
        expect(resident.last).to_have_text(f"Du: {PERSON['title']}")
        expect(log.locator(".hbgc-msg--bot")).to_have_count(3)  # answered: the handoff comes after
        expect(resident.last.locator("xpath=..").locator(".hbgc-msg-status")).to_have_count(0)
        conversation_id, auth = conversation_of(page)
        log_in_online(console, site)
        site.set_online("anna")  # presence is written in the background: no race with the handoff
        queued = site.request_again(conversation_id)
        assert queued["outcome"] == "queued", queued
        reference = queued["reference"]
        queue = page.get_by_role("region", name="Du står i kö.")
        expect(queue).to_contain_text("Uppskattningen bygger på hur snabbt de senaste chattarna besvarades.")
        expect(queue.locator(".hbgc-nobreak")).to_have_text(reference)
        page.screenshot(path=str(artifacts / f"resident-queued-{width}.png"))
        no_blocking_violations(page, axe_path, f"queued, {width} px")

        console.locator("#queue-list > li").first.get_by_role("button", name="Ta chatten").click()
        transcript = console.get_by_role("log", name="Konversation")
        expect(transcript).to_contain_text(PERSON["title"])
        expect(transcript).to_contain_text("Öppettider")
        assert not PAYLOADS.search(transcript.inner_text())
        assert [m["text"] for m in site.resident_messages(conversation_id, auth) if m["from"] == "resident"] == [
            "hej", "Öppettider", PERSON["title"],
        ]
        console.screenshot(path=str(artifacts / f"resident-titles-console-{width}.png"))


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_closed_chat_offers_a_new_chat_and_after_no_other_ways_to_get_help(
    browser: Browser, site: ConsoleSite, artifacts: Path, axe_path: Path, width: int
) -> None:
    with checked_page(browser, site, viewport=VIEWPORTS[width]) as page, checked_page(browser, site) as console:
        page.goto(site.url + "/")
        page.get_by_role("button", name="Chatta med oss").click()
        panel = page.get_by_role("dialog", name="Chatta med Helsingborgs stad")
        textbox = page.get_by_role("textbox", name="Skriv ditt meddelande")
        textbox.fill("hej")
        textbox.press("Enter")
        log = page.get_by_role("log", name="Meddelanden")
        expect(log.locator(".hbgc-msg--bot")).to_have_count(1)
        conversation_id, _ = conversation_of(page)
        log_in_online(console, site)
        site.set_online("anna")  # presence is written in the background: no race with the handoff
        assert site.request_again(conversation_id)["outcome"] == "queued"
        console.locator("#queue-list > li").first.get_by_role("button", name="Ta chatten").click()
        console.locator("#close-category").select_option(index=1)
        console.get_by_role("button", name="Avsluta chatten").click()

        expect(panel.get_by_role("heading", name="Chatten är avslutad")).to_be_visible()
        expect(log).to_contain_text("Har du fler frågor kan du starta en ny chatt.")
        expect(textbox).to_be_hidden()
        expect(panel.get_by_role("button", name="Starta en ny chatt")).to_be_visible()
        panel.get_by_role("group", name="Fick du hjälp?").get_by_role("button", name="Nej").click()
        others = panel.get_by_role("group", name="Andra sätt att få hjälp")
        expect(others.get_by_role("button", name="Prata med en kommunvägledare")).to_be_visible()  # open now
        expect(others.get_by_role("link", name="Ring 042-10 50 00")).to_have_attribute("href", "tel:042105000")
        expect(others.get_by_role("button", name="Jag vill lämna ett meddelande")).to_be_visible()
        page.screenshot(path=str(artifacts / f"resident-not-helped-{width}.png"))
        no_blocking_violations(page, axe_path, f"closed, after Nej, {width} px")

        others.get_by_role("button", name="Jag vill lämna ett meddelande").click()
        expect(log.locator(".hbgc-msg--resident .hbgc-bubble")).to_have_text(["Du: Jag vill lämna ett meddelande"])
        expect(log.locator(".hbgc-msg--bot .hbgc-bubble")).to_have_text([f"Assistenten: {ASKS_CONTACT}"])
        # The bot asked for a phone number: giving one is no slip, so no personal-data warning.
        textbox.fill("070-123 45 67")
        textbox.press("Enter")
        expect(log.locator(".hbgc-msg--resident .hbgc-bubble").last).to_have_text("Du: 070-123 45 67")
        expect(page.get_by_role("alertdialog")).to_be_hidden()
        expect(log.locator(".hbgc-msg--bot")).to_have_count(2)
        # Elsewhere a phone number still gets the warning.
        textbox.fill("ring 070-123 45 67")
        textbox.press("Enter")
        expect(page.get_by_role("alertdialog")).to_be_visible()
        page.screenshot(path=str(artifacts / f"resident-contact-asked-{width}.png"))


@pytest.mark.parametrize("name", ["320", "zoom200"])
def test_small_screens_keep_numbers_whole_and_the_counter_clear_of_the_focus_ring(
    browser: Browser, site: ConsoleSite, artifacts: Path, axe_path: Path, name: str
) -> None:
    """320 px, and a 1280 × 800 window at 200 % zoom (640 × 400 CSS pixels): phone numbers and case
    references are never broken across lines, and the text box's focus ring (3 px + 2 px offset) does not
    cover the "0 / 2 000 tecken" counter."""
    viewport = {"320": {"width": 320, "height": 640}, "zoom200": {"width": 640, "height": 400}}[name]
    with checked_page(browser, site, viewport=viewport) as page, checked_page(browser, site) as console:
        page.goto(site.url + "/")
        page.get_by_role("button", name="Chatta med oss").click()
        textbox = page.get_by_role("textbox", name="Skriv ditt meddelande")
        textbox.fill("hej")
        textbox.press("Enter")
        log = page.get_by_role("log", name="Meddelanden")
        expect(log.locator(".hbgc-msg--bot")).to_have_count(1)
        conversation_id, _ = conversation_of(page)
        log_in_online(console, site)
        site.set_online("anna")  # presence is written in the background: no race with the handoff
        assert site.request_again(conversation_id)["outcome"] == "queued"
        reference = page.locator(".hbgc-queue .hbgc-nobreak")
        expect(reference).to_have_text(re.compile(r"HBG-2026-\d{6}"))
        textbox.focus()
        for whole in (reference, log.locator(".hbgc-tel").first):
            box = whole.bounding_box()
            line = float(whole.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24"))
            assert box is not None and box["height"] < 1.5 * line, (whole.inner_text(), box)
        field, counter = textbox.bounding_box(), page.locator(".hbgc-counter").bounding_box()
        assert field is not None and counter is not None
        assert counter["y"] >= field["y"] + field["height"] + 5, (field, counter)
        page.screenshot(path=str(artifacts / f"resident-queued-{name}.png"))
        no_blocking_violations(page, axe_path, f"queued, {name}")
