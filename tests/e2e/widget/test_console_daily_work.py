"""The kommunvägledare's daily work in a real browser (Debian chromium, 1280 px) against the real router:
the new-chat alert (tab title count, a desktop notification when permitted, sound that can be muted and
stays muted), queue rows (masked last message, topic in Swedish, wait time), "Lägg tillbaka i kön"
keeping the place, transfer to a named colleague, "Ta chatten" after a hand-back showing the new case, a
left message answered by e-mail arriving at a real SMTP server, and the reply box visible at 900 px height.
axe-core finds no serious or critical violation in these states. Screenshots: test-artifacts/widget/console-*.png."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from router import texts
from tests.e2e.browser import checked_page, wait_until
from tests.router.smtp_fixtures import SmtpServer

from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.router_sites import ConsoleSite, log_in, log_in_online

BASE_TITLE = "Chatt – kommunvägledare"

# Records each notification the console creates while the real Notification API (permission granted
# through the browser context) does the work.
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.__tones = 0;
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { super(title, options); window.__notifications.push({title, body: options && options.body}); }
};
const RealContext = window.AudioContext;
window.AudioContext = class extends RealContext {
  createOscillator() { window.__tones += 1; return super.createOscillator(); }
};
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path / "router.db", agents={"anna": "Anna", "bertil": "Bertil"})
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def mail_site(tmp_path: Path) -> Iterator[tuple[ConsoleSite, SmtpServer]]:
    smtp = SmtpServer()
    smtp.controller.start()
    running = ConsoleSite(tmp_path / "router.db", smtp=smtp)
    running.start()
    try:
        yield running, smtp
    finally:
        running.stop()
        smtp.controller.stop()


def no_blocking_violations(page: Page, axe_path: Path, state: str) -> None:
    blocking = [v for v in run_axe(page, axe_path) if v["impact"] in BLOCKING]
    assert blocking == [], f"{state}: {blocking}"


def reply_box_on_screen(page: Page) -> None:
    """At 900 px height the reply box is on screen without scrolling."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.get_by_label("Svar till invånaren").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900, box


def test_new_chat_alert_title_notification_and_muted_sound(
    browser: Browser, site: ConsoleSite, artifacts: Path, axe_path: Path
) -> None:
    with checked_page(browser, site, timezone_id="Europe/Stockholm", permissions=["notifications"]) as page:
        page.add_init_script(RECORD_NOTIFICATIONS)
        log_in(page, site)
        prompt = page.get_by_role("region", name="Vill du ta emot chattar nu?")
        expect(prompt).to_be_visible()
        expect(page.get_by_role("button", name="Ja, bli tillgänglig")).to_be_focused()
        expect(page.locator("#notify-button")).to_be_hidden()  # already permitted: nothing to ask
        page.screenshot(path=str(artifacts / "console-availability-prompt-1280.png"))
        no_blocking_violations(page, axe_path, "availability prompt")
        page.get_by_role("button", name="Ja, bli tillgänglig").click()
        expect(prompt).to_be_hidden()
        expect(page.get_by_role("checkbox", name="Tillgänglig för chatt")).to_be_checked()
        expect(page).to_have_title(BASE_TITLE)

        _, _, reference = site.queued_resident("Ring mig på 070-123 45 67 om klottret", topic="complaint_safety_work")
        expect(page).to_have_title(f"(1) {BASE_TITLE}")
        row = page.locator("#queue-list > li").first
        expect(row).to_contain_text(f"1. {reference} – ämne: Synpunkt eller klagomål på stadens trygghetsarbete")
        expect(row.locator(".last-message")).to_have_text("Senaste meddelande: Ring mig på [telefonnummer] om klottret")
        expect(row.locator(".wait")).to_have_text("Har väntat 0 min")
        expect(page.get_by_role("heading", name="Kö (1 väntar)")).to_be_visible()
        wait_until(lambda: page.evaluate("window.__notifications.length") == 1, what="the notification", page=page)
        assert page.evaluate("window.__notifications") == [{
            "title": "Ny chatt i kön",
            "body": f"Ny chatt i kön: {reference} – ämne: Synpunkt eller klagomål på stadens trygghetsarbete.",
        }]
        assert page.evaluate("window.__tones") == 2  # the two-tone chime, not the urgent three beeps
        page.screenshot(path=str(artifacts / "console-new-chat-1280.png"))
        no_blocking_violations(page, axe_path, "queue with a new chat")

        page.get_by_role("button", name="Stäng av ljudet").click()
        expect(page.locator("#console-status")).to_have_text("Ljudet för nya chattar och larm är avstängt.")
        page.reload()
        expect(page.get_by_role("button", name="Slå på ljudet")).to_be_visible()  # remembered
        expect(page).to_have_title(f"(1) {BASE_TITLE}")
        site.queued_resident()
        expect(page).to_have_title(f"(2) {BASE_TITLE}")
        wait_until(lambda: page.evaluate("window.__notifications.length") == 1, what="the second notification", page=page)
        assert page.evaluate("window.__tones") == 0  # muted


def test_notifications_are_asked_from_a_button_not_on_load(
    browser: Browser, site: ConsoleSite, axe_path: Path
) -> None:
    with checked_page(browser, site) as page:
        page.add_init_script("""
            window.__asked = 0;
            const ask = Notification.requestPermission.bind(Notification);
            Notification.requestPermission = () => { window.__asked += 1; return Promise.resolve("default"); };
        """)
        log_in_online(page, site)
        button = page.get_by_role("button", name="Visa aviseringar")
        expect(button).to_be_visible()
        assert page.evaluate("window.__asked") == 0
        no_blocking_violations(page, axe_path, "notifications not yet permitted")
        button.click()
        expect(page.locator("#console-status")).to_contain_text("Aviseringar är inte tillåtna")
        assert page.evaluate("window.__asked") == 1


def test_the_availability_switch_waits_for_the_console_script(browser: Browser, site: ConsoleSite) -> None:
    """Ticked before the console's script listened, the switch looked on while the server never heard of it:
    the agent got no chats and colleagues could not hand one over (seen in CI as an empty "Lämna över till")."""
    with checked_page(browser, site) as page:
        held: list[Route] = []
        page.route("**/static/agent.js", lambda route: held.append(route))
        log_in(page, site)
        toggle = page.get_by_label("Tillgänglig för chatt")
        search = page.get_by_role("button", name="Sök", exact=True)
        expect(toggle).to_be_disabled()
        expect(search).to_be_disabled()  # sent before the script listened, the search reloaded the page
        wait_until(lambda: held, what="the console script to be asked for", page=page)
        held[0].continue_()
        expect(toggle).to_be_enabled()
        expect(search).to_be_enabled()
        with page.expect_response(lambda r: r.url.endswith("/api/agent/presence")) as answer:
            toggle.check()
        assert answer.value.json()["online"] is True


def test_the_console_leaves_the_focus_where_the_agent_types(browser: Browser, site: ConsoleSite) -> None:
    """Opening a case moved the focus to the reply box only after the case's last requests had come back, so
    an agent who had begun a transfer note by then went on typing into the reply to the resident (seen as a
    transfer that arrived without its note)."""
    with checked_page(browser, site) as page:
        log_in_online(page, site)
        site.queued_resident("Hej, det gäller belysningen")
        held: list[Route] = []
        page.route("**/api/agent/conversations/*/signal", lambda route: held.append(route))
        page.locator("#queue-list > li").first.get_by_role("button", name="Ta chatten").click()
        note = page.get_by_label("Anteckning till kollegan (valfri)")
        wait_until(lambda: held, what="the case's signal to be asked for", page=page)  # the case is on screen
        note.click()
        page.keyboard.type("Gäller trasig ")
        held[0].continue_()
        expect(page.locator("#signal-current")).not_to_be_empty()  # the case's requests are all answered
        page.keyboard.type("belysning")
        expect(note).to_have_value("Gäller trasig belysning")
        expect(note).to_be_focused()
        expect(page.get_by_label("Svar till invånaren")).to_have_value("")


def test_requeue_keeps_the_place_and_transfer_to_a_named_colleague(
    browser: Browser, site: ConsoleSite, artifacts: Path, axe_path: Path
) -> None:
    with checked_page(browser, site) as anna, checked_page(browser, site) as bertil:
        log_in_online(bertil, site, "bertil")
        log_in_online(anna, site, "anna")
        first_id, first_auth, first = site.queued_resident("Hej, det gäller belysningen")
        site.queued_resident("Fråga två")
        site.queued_resident("Fråga tre")
        queue = anna.locator("#queue-list > li")
        expect(queue).to_have_count(3)
        expect(queue.first).to_contain_text(f"1. {first}")

        queue.first.get_by_role("button", name="Ta chatten").click()
        expect(anna.locator("#working-on")).to_have_text(f"Du arbetar med {first} (pågår)")
        expect(queue).to_have_count(2)
        anna.get_by_role("button", name="Lägg tillbaka i kön").click()
        expect(queue).to_have_count(3)
        expect(queue.first).to_contain_text(f"1. {first}")  # its own place, not the back
        assert site.resident_messages(first_id, first_auth)[-1]["text"] == texts.AGENT_REQUEUED
        anna.screenshot(path=str(artifacts / "console-requeued-1280.png"))

        queue.first.get_by_role("button", name="Ta chatten").click()
        expect(anna.locator("#working-on")).to_have_text(f"Du arbetar med {first} (pågår)")
        expect(anna.locator("#console-status")).to_have_text(f"Du har tagit chatten {first}.")
        expect(anna.get_by_label("Lämna över till")).to_have_value(str(site.agent_ids["bertil"]))
        expect(anna.get_by_label("Lämna över till").locator("option")).to_have_text(["Bertil"])
        anna.get_by_label("Anteckning till kollegan (valfri)").fill("Gäller trasig belysning på Söder")
        anna.screenshot(path=str(artifacts / "console-transfer-form-1280.png"), full_page=True)
        no_blocking_violations(anna, axe_path, "case with the transfer form")
        anna.get_by_role("button", name="Lämna över").click()
        expect(anna.locator("#console-status")).to_have_text("Chatten är överlämnad till Bertil.")
        expect(anna.locator("#reply-form")).to_be_hidden()
        expect(anna.locator("#active-list > li").first).to_contain_text(f"{first}")
        expect(anna.locator("#active-list > li").first).to_contain_text("(Bertil)")

        expect(bertil.locator("#console-status")).to_have_text(
            f"Anna har lämnat över ärende {first} till dig: Gäller trasig belysning på Söder"
        )
        expect(bertil.locator("#working-on")).to_have_text(f"Du arbetar med {first} (pågår)")
        expect(bertil.locator("#notes-list")).to_contain_text("Överlämnad till Bertil: Gäller trasig belysning på Söder")
        expect(bertil.get_by_label("Svar till invånaren")).to_be_visible()
        assert site.resident_messages(first_id, first_auth)[-1]["text"] == texts.transferred("Bertil")
        site.typing(first_id, first_auth)
        expect(bertil.locator("#resident-typing")).to_have_text("Invånaren skriver …")
        bertil.screenshot(path=str(artifacts / "console-transferred-to-me-1280.png"))
        no_blocking_violations(bertil, axe_path, "case handed to me")


def test_take_after_hand_back_shows_the_new_case_and_links_the_old(
    browser: Browser, site: ConsoleSite, artifacts: Path, axe_path: Path
) -> None:
    with checked_page(browser, site, viewport={"width": 1280, "height": 900}) as page:
        log_in_online(page, site)
        conversation_id, auth, old = site.queued_resident("Första frågan")
        queue = page.locator("#queue-list > li")
        queue.first.get_by_role("button", name="Ta chatten").click()
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {old} (pågår)")
        reply_box_on_screen(page)
        page.screenshot(path=str(artifacts / "console-case-1280x900.png"))
        page.get_by_role("button", name="Lämna tillbaka till chattroboten").click()
        expect(page.locator("#working-on")).to_have_text(f"Öppet ärende: {old} (avslutad)")

        new = site.request_again(conversation_id)["reference"]
        expect(queue.first).to_contain_text(new)
        site.write(conversation_id, auth, "Jag har en fråga till")
        expect(queue.first.locator(".last-message")).to_contain_text("Jag har en fråga till")
        queue.first.get_by_role("button", name="Ta chatten").click()
        expect(page.get_by_role("heading", name=f"Ärende {new}")).to_be_visible()
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {new} (pågår)")
        # The queue frame that the claim sends must not bring the old case back.
        page.wait_for_timeout(500)
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {new} (pågår)")
        related = page.locator("#related-cases")
        expect(related.get_by_role("button", name=f"{old} – chatt, avslutad")).to_be_visible()
        reply_box_on_screen(page)
        page.screenshot(path=str(artifacts / "console-linked-cases-1280x900.png"))
        no_blocking_violations(page, axe_path, "case with linked cases")
        related.get_by_role("button", name=f"{old} – chatt, avslutad").click()
        expect(page.locator("#working-on")).to_have_text(f"Öppet ärende: {old} (avslutad)")


def test_left_message_answered_by_email_reaches_the_smtp_server(
    browser: Browser, mail_site: tuple[ConsoleSite, SmtpServer], artifacts: Path, axe_path: Path
) -> None:
    site, smtp = mail_site
    reference = site.leave_message("Lampan vid busshållplatsen är trasig. Mejla mig: lisa@example.se", "lisa@example.se")
    with checked_page(browser, site, timezone_id="Europe/Stockholm") as page:
        log_in_online(page, site)
        row = page.locator("#followup-list > li").first
        expect(row).to_contain_text(reference)
        expect(row.get_by_label("Invånarens e-postadress")).to_have_value("lisa@example.se")
        row.get_by_label("Svar (skickas med e-post)").fill("Tack! Vi har felanmält lampan.")
        page.screenshot(path=str(artifacts / "console-left-message-answer-1280.png"), full_page=True)
        no_blocking_violations(page, axe_path, "left message with the answer form")
        row.get_by_role("button", name="Skicka svaret").click()
        expect(page.locator("#console-status")).to_have_text("Svaret är skickat till lisa@example.se.")
        wait_until(lambda: len(smtp.inbox.messages) == 1, what="the mail at the SMTP server", page=page)
        [(recipients, mail)] = smtp.inbox.messages
        assert recipients == ["lisa@example.se"]
        assert mail["Subject"] == texts.follow_up_subject(reference)
        assert "Tack! Vi har felanmält lampan." in mail.get_content()
        expect(page.locator("#followup-list")).to_contain_text("Inga meddelanden.")  # no longer open
        page.get_by_label("Visa", exact=True).select_option("done")
        expect(page.locator("#followup-list .answer")).to_contain_text(
            "Besvarat med e-post till lisa@example.se"
        )
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header is drawn where the page was scrolled to
        page.screenshot(path=str(artifacts / "console-left-message-answered-1280.png"), full_page=True)
