"""Issue 16 in the agent console, in a real browser (Debian chromium) against the real router: a
kommunvägledare closing a chat adds the conversation's trygghetssignal in the close form's "Trygghetssignal
(valfri)" group, or corrects the one the chatbot counted, and the signal lands in the site's database and
in the analysts' export. A correction replaces the signal; it never counts the resident twice. A district
without a category is refused with a Swedish message and the chat stays open. axe-core finds no serious or
critical violation with the close form open. Screenshots: test-artifacts/console/signal-*.png."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from router.signals.models import AGENT_SOURCE, CHAT_SOURCE, SignalCreate
from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.browser import checked_page
from tests.e2e.router_sites import ConsoleSite, log_in_online
from tests.router.constants import PASSWORD

ANALYST = "olle"
FAULT_REPORT = "Felanmälan (gatubelysning, klotter, skadegörelse)"
SAFETY_WORK = "Trygghet och brottsförebyggande arbete"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path / "router.db")
    running.start()
    running.add_account(ANALYST, "Olle Analytiker", "analyst")
    try:
        yield running
    finally:
        running.stop()


def claim_first(page: Page) -> None:
    page.locator("#queue-list > li").first.get_by_role("button", name="Ta chatten").click()
    expect(page.get_by_label("Svar till invånaren")).to_be_focused()


def close_with_signal(page: Page, district: str, category: str, close_category: str) -> None:
    page.locator("#close-form").get_by_label("Kategori").select_option(close_category)
    page.get_by_label("Stadsdel").select_option(district)
    page.get_by_label("Typ av problem").select_option(category)
    page.get_by_role("button", name="Avsluta chatten").click()
    expect(page.locator("#console-status")).to_have_text("Chatten är avslutad.")


def log_in_analyst(page: Page, site: ConsoleSite) -> None:
    page.goto(site.url + "/agent/login")
    page.get_by_label("Användarnamn").fill(ANALYST)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(site.url + "/admin/signals")


def exported_count(page: Page, site: ConsoleSite, district: str, category: str) -> str:
    """The district × category cell of the analysts' CSV export, as exported ("< 5" under the threshold)."""
    answer = page.request.get(site.url + "/admin/signals/export.csv")
    assert answer.ok, answer.text()
    rows = list(csv.reader(io.StringIO(answer.text()), delimiter=";"))
    [count] = [row[3] for row in rows if row[:3] == ["stadsdel_kategori", district, category]]
    return count


def test_an_agent_adds_the_signal_when_closing_and_a_later_correction_replaces_it(
    browser: Browser, site: ConsoleSite, console_artifacts: Path, axe_path: Path
) -> None:
    # Four earlier signals for Söder / belysning: the fifth, the agent's, lifts the cell over the threshold.
    site.record_signals(SignalCreate(district="Söder", category="belysning", source=AGENT_SOURCE), 4)
    with checked_page(browser, site) as page, checked_page(browser, site) as analyst:
        log_in_analyst(analyst, site)
        log_in_online(page, site)
        conversation_id, _, first = site.queued_resident("Det är mörkt i gångtunneln på Söder, lamporna är trasiga")
        claim_first(page)
        group = page.get_by_role("group", name="Trygghetssignal (valfri): var invånaren känner sig otrygg")
        expect(group).to_be_visible()
        expect(page.locator("#signal-current")).to_have_text(
            "Ingen signal räknad i chatten. Välj stadsdel och typ om invånaren berättade om en otrygg plats."
        )
        expect(page.get_by_label("Stadsdel")).to_have_value("")
        page.screenshot(path=str(console_artifacts / "signal-close-form-1280.png"), full_page=True)
        blocking = [v for v in run_axe(page, axe_path) if v["impact"] in BLOCKING]
        assert blocking == [], f"close form open: {blocking}"

        # No close category is chosen for the agent (issue 13): closing without one is refused in Swedish.
        expect(page.locator("#close-form").get_by_label("Kategori")).to_have_value("")
        page.get_by_role("button", name="Avsluta chatten").click()
        expect(page.locator("#console-status")).to_have_text(
            "Välj en kategori för chatten innan du avslutar den. Inget ändrades."
        )
        expect(page.locator("#close-form").get_by_label("Kategori")).to_be_focused()
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {first} (pågår)")

        # A district without a category: refused in Swedish, nothing recorded, the chat still open.
        page.locator("#close-form").get_by_label("Kategori").select_option(FAULT_REPORT)
        page.get_by_label("Stadsdel").select_option("Söder")
        page.get_by_role("button", name="Avsluta chatten").click()
        expect(page.locator("#console-status")).to_have_text(
            "Välj typ av problem för trygghetssignalen, eller Ingen signal."
        )
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {first} (pågår)")
        assert len(site.signals()) == 4

        close_with_signal(page, "Söder", "belysning", FAULT_REPORT)
        expect(page.locator("#working-on")).to_have_text(f"Öppet ärende: {first} (avslutad)")
        signals = site.signals()
        assert len(signals) == 5
        added = signals[-1]
        assert (added.district, added.category, added.source) == ("Söder", "belysning", AGENT_SOURCE)
        assert exported_count(analyst, site, "Söder", "belysning") == "5"

        # The resident asks again; the next case of the same conversation shows the agent's signal and the
        # agent corrects it: the same signal moves, the count of signals stays.
        second = site.request_again(conversation_id)["reference"]
        expect(page.locator("#queue-list > li").first).to_contain_text(second)
        claim_first(page)
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {second} (pågår)")
        expect(page.locator("#signal-current")).to_have_text(
            "En kommunvägledare registrerade: Söder, belysning. Ändra om det blev fel."
        )
        expect(page.get_by_label("Stadsdel")).to_have_value("Söder")
        expect(page.get_by_label("Typ av problem")).to_have_value("belysning")
        close_with_signal(page, "Drottninghög", "grupper", SAFETY_WORK)
        signals = site.signals()
        assert len(signals) == 5
        corrected = signals[-1]
        assert corrected.public_id == added.public_id
        assert (corrected.district, corrected.category) == ("Drottninghög", "grupper")
        assert exported_count(analyst, site, "Söder", "belysning") == "< 5"


def test_an_agent_corrects_the_signal_the_chatbot_counted(
    browser: Browser, site: ConsoleSite, console_artifacts: Path
) -> None:
    with checked_page(browser, site) as page:
        log_in_online(page, site)
        text = "jag känner mig otrygg i parken vid Fredriksdal på kvällarna"
        conversation_id, _, reference = site.queued_resident(text)
        counted = site.chat_signal(conversation_id, "feeling_unsafe", text)
        claim_first(page)
        expect(page.locator("#signal-current")).to_have_text(
            "Chattroboten räknade: Fredriksdal, otrygghet. Ändra om det blev fel."
        )
        expect(page.get_by_label("Stadsdel")).to_have_value("Fredriksdal")
        expect(page.get_by_label("Typ av problem")).to_have_value("otrygghet")
        page.get_by_label("Typ av problem").select_option("grupper")
        page.locator("#close-form").screenshot(path=str(console_artifacts / "signal-correction-1280.png"))
        close_with_signal(page, "Fredriksdal", "grupper", SAFETY_WORK)
        expect(page.locator("#working-on")).to_have_text(f"Öppet ärende: {reference} (avslutad)")
    [signal] = site.signals()
    assert signal.public_id == counted["id"]
    # District and category as the kommunvägledare set them; what the resident said about when and where stays.
    assert (signal.district, signal.category, signal.source) == ("Fredriksdal", "grupper", CHAT_SOURCE)
    assert (signal.time_of_day, signal.place) == ("kväll", "parken")
