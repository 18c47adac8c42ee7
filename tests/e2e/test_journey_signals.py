"""Done when (issue 16), against the real stack (Rasa with the trained model, the action server, the router):
a resident writes "jag känner mig otrygg i parken vid Fredriksdal på kvällarna" in the widget in chromium, the
assistant answers and tells that such descriptions are counted, and the signal appears on the Trygghetssignaler
page under Fredriksdal / otrygghet / kväll; "Nej, räkna inte med det" removes it again.

With k-anonymity one signal would show as "< 5", so the shared end-to-end stack (tests/e2e/conftest.py) runs with
the threshold 1 (everything else as shipped); the suppression itself is tested in tests/router/test_signals_api.py
and tests/e2e/test_signals_page.py. This module runs right after test_journey.py, before any other module on that
stack could have left a signal."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.stack import AGENT_PASSWORD, RunningStack
from tests.e2e.browser import PROJECT_ROOT, debian_chromium

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "signals"
BOT_TIMEOUT = 90_000  # ms: Rasa on a loaded machine
MESSAGE = "jag känner mig otrygg i parken vid Fredriksdal på kvällarna"
NOTICE = "Staden räknar sådana beskrivningar"
DECLINE = "Nej, räkna inte med det"
REMOVED = "Okej, din beskrivning räknas inte med."


@pytest.fixture(scope="module")
def browser(running_stack: RunningStack) -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE",
                                  timezone_id="Europe/Stockholm")
    context.set_default_timeout(15_000)
    return context.new_page()


def matrix_cell(page: Page, district: str, column: int) -> str:
    row = page.get_by_role("table", name="Antal signaler per stadsdel och kategori").get_by_role("row", name=district)
    return row.locator("td").nth(column).inner_text()


def test_a_chat_gives_a_signal_and_declining_removes_it(browser: Browser, running_stack: RunningStack) -> None:
    base = running_stack.base_url
    resident = new_page(browser)
    resident.goto(base + "/")
    resident.get_by_role("button", name="Chatta med oss").click()
    message_box = resident.get_by_role("textbox", name="Skriv ditt meddelande")
    expect(message_box).to_be_enabled()
    message_box.fill(MESSAGE)
    message_box.press("Enter")
    log = resident.get_by_role("log", name="Meddelanden")
    expect(log).to_contain_text(NOTICE, timeout=BOT_TIMEOUT)

    admin = new_page(browser)
    admin.goto(base + "/agent/login?next=admin")
    admin.get_by_label("Användarnamn").fill("admin")
    admin.get_by_label("Lösenord").fill(AGENT_PASSWORD)
    admin.get_by_role("button", name="Logga in").click()
    admin.goto(base + "/admin/signals")
    expect(admin.get_by_role("heading", name="Trygghetssignaler", level=2)).to_be_visible()
    assert matrix_cell(admin, "Fredriksdal", 0) == "1", running_stack.logs()  # otrygghet, the first category
    times = admin.get_by_role("table", name="Signaler efter tid på dygnet som invånaren nämnde")
    expect(times.get_by_role("row", name="kväll").locator("td")).to_have_text("1")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    resident.screenshot(path=str(ARTIFACTS / "journey-notice.png"))
    admin.screenshot(path=str(ARTIFACTS / "journey-counted.png"), full_page=True)

    log.get_by_role("button", name=DECLINE).last.click()
    expect(log).to_contain_text(REMOVED, timeout=BOT_TIMEOUT)
    admin.reload()
    matrix = admin.get_by_role("table", name="Antal signaler per stadsdel och kategori")
    expect(matrix.get_by_role("row", name="Fredriksdal")).to_have_count(0)
    expect(matrix).to_contain_text("Inga signaler under perioden.")
    resident.screenshot(path=str(ARTIFACTS / "journey-removed.png"))
