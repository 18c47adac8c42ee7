"""The agent console when the safety net fires in a queued chat, in a real browser against the real router
app (create_app on its own event loop; Rasa is not asked while a person answers): the case moves to the
top with the badge "Möjlig fara – 112 har visats", the console beeps, prefixes the tab title and shows a
notification, the transcript shows the alarm with tel: links, and one click clears the mark.
Screenshots go to test-artifacts/widget/ (console-urgent-1280.png)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import Browser, Page, expect

from router.handoff.accounts import create_agent
from router.app import create_app
from router.core.clock import Clock
from router.core.config import Settings
from router.core.options import RouterOptions
from router.bus.keys import BACKGROUND_KEY
from router.keys import DB_KEY
from tests.router.conftest import INTERNAL_SECRET, MONDAY_10, PASSWORD, RASA_TOKEN, FakeRasa
from tests.e2e.threaded_site import ThreadedSite

from .conftest import PROJECT_ROOT, checked_page

AGENT = "anna"
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


class ConsoleSite(ThreadedSite):
    """The real router app on a free 127.0.0.1 port with one agent; residents are played over HTTP."""

    def __init__(self, database: Path) -> None:
        self.database = database
        super().__init__("console-router")

    async def _start(self) -> None:
        rasa = FakeRasa()
        rasa.url = await self._serve(rasa.app())
        settings = Settings(
            rasa_url=rasa.url, rasa_token=RASA_TOKEN, actions_url=rasa.url, internal_secret=INTERNAL_SECRET,
            database_url=f"sqlite+aiosqlite:///{self.database}", settings_dir=PROJECT_ROOT / "settings",
        )
        options = RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1)
        self.app = create_app(settings, clock=Clock(start=MONDAY_10), options=options)
        self.url = await self._serve(self.app)
        rasa.router_url = self.url
        async with self.app[DB_KEY]() as session:
            await create_agent(session, AGENT, PASSWORD, "Anna", "agent")
        self.http = aiohttp.ClientSession(self.url)

    async def _stop(self) -> None:
        await self.http.close()
        await self.app[BACKGROUND_KEY].wait()
        await self._cleanup()

    async def _queued_resident(self) -> tuple[str, dict[str, str], str]:
        created = await (await self.http.post("/api/conversations")).json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        queued = await self.http.post(
            "/internal/handoff", json={"conversation_id": created["id"], "reason": "requested", "topic": None},
            headers={"X-Internal-Secret": INTERNAL_SECRET},
        )
        body = await queued.json()
        assert body["outcome"] == "queued", body
        return created["id"], auth, body["reference"]

    def queued_resident(self) -> tuple[str, dict[str, str], str]:
        return self.call(self._queued_resident())

    async def _write(self, conversation_id: str, auth: dict[str, str], text: str) -> dict[str, Any]:
        response = await self.http.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
        return await response.json()

    def write(self, conversation_id: str, auth: dict[str, str], text: str) -> dict[str, Any]:
        return self.call(self._write(conversation_id, auth, text))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path / "router.db")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def log_in_online(page: Page, site: ConsoleSite) -> None:
    page.goto(site.url + "/agent/login")
    page.get_by_label("Användarnamn").fill(AGENT)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(site.url + "/agent")
    page.get_by_label("Tillgänglig för chatt").check()
    expect(page.locator("#agents-online")).to_have_text("1 kommunvägledare tillgänglig")


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
