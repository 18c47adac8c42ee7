"""The agent console when the safety net fires in a queued chat, in a real browser against the real router
app (create_app on its own event loop; Rasa is not asked while a person answers): the case moves to the
top with the badge "Möjlig fara – 112 har visats", the console beeps, prefixes the tab title and shows a
notification, the transcript shows the alarm with tel: links, and one click clears the mark.
Screenshots go to test-artifacts/widget/ (console-urgent-1280.png)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser import checked_page
from tests.e2e.router_sites import ConsoleSite, log_in_online
DANGER = "hjälp han slår mig nu"

# Records what the console asks of the browser's alert channels, which a headless browser cannot show.
RECORD_ALERTS = """
window.__notifications = [];
window.__beeps = 0;
window.Notification = class {
  constructor(title, options) { window.__notifications.push({title, body: options && options.body}); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
const Context = window.AudioContext;
window.AudioContext = class extends Context {
  createOscillator() { window.__beeps += 1; return super.createOscillator(); }
};
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path / "router.db")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_urgent_case_badge_alert_transcript_and_clear(browser: Browser, site: ConsoleSite, artifacts: Path) -> None:
    with checked_page(browser, site, timezone_id="Europe/Stockholm") as page:
        page.add_init_script(RECORD_ALERTS)
        log_in_online(page, site)
        site.queued_resident()
        conversation_id, auth, reference = site.queued_resident()
        queue = page.locator("#queue-list > li")
        expect(queue).to_have_count(2)
        expect(queue.nth(1)).to_contain_text(reference)
        base_title = page.title()
        assert base_title == "(2) Chatt – kommunvägledare"
        page.evaluate("window.__notifications = []; window.__beeps = 0")  # the new-chat alerts are tested elsewhere

        answer = site.write(conversation_id, auth, DANGER)
        assert answer["replies"][0]["kind"] == "alarm"

        expect(queue.first).to_contain_text(reference)
        expect(queue.first.locator(".badge-urgent")).to_have_text("Möjlig fara – 112 har visats")
        expect(queue.nth(1).locator(".badge-urgent")).to_have_count(0)
        expect(page).to_have_title("⚠ Möjlig fara – " + base_title)
        expect(page.locator("#console-status")).to_have_text(f"Möjlig fara – 112 har visats i ärende {reference}.")
        assert page.evaluate("window.__notifications") == [
            {"title": "Möjlig fara", "body": f"Möjlig fara – 112 har visats i ärende {reference}."}
        ]
        assert page.evaluate("window.__beeps") == 3

        queue.first.get_by_role("button", name="Visa").click()
        alarm = page.locator("#transcript .message.alarm")
        expect(alarm).to_contain_text("Ring 112 nu")
        expect(alarm.locator("a[href='tel:112']")).to_have_text("112")
        assert alarm.locator("a.tel").first.evaluate("a => getComputedStyle(a).whiteSpace") == "nowrap"
        expect(page.locator("#case-urgent .badge-urgent")).to_have_text("Möjlig fara – 112 har visats")
        page.screenshot(path=str(artifacts / "console-urgent-1280.png"), full_page=True)

        page.locator("#case-urgent").get_by_role("button", name="Markera som hanterad").click()
        expect(page.locator(".badge-urgent")).to_have_count(0)
        expect(page).to_have_title(base_title)
        expect(queue.nth(1)).to_contain_text(reference)  # back to its place by time in the queue
