"""Fixture module for the signals page in a browser: the real router app with seeded trygghetssignaler on a
free port (no Rasa: the page needs none), an admin and an analyst, and axe-core run on a page."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from playwright.sync_api import Page

from router.app import create_app
from router.core.clock import Clock
from router.core.config import Settings
from router.core.options import RouterOptions
from router.handoff.accounts import create_agent
from router.keys import DB_KEY
from tests.e2e.threaded_site import ThreadedSite
from tests.e2e.browser import PROJECT_ROOT
from tests.router.constants import INTERNAL_SECRET, MONDAY_10, PASSWORD, RASA_TOKEN
from tests.router.fake_rasa import FakeRasa
from tests.router.signals_fixtures import seed_signals

ADMIN, ANALYST = "ada", "olle"


class SignalsSite(ThreadedSite):
    def __init__(self, database: Path) -> None:
        self.database = database
        super().__init__("signals-router")

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
        async with self.app[DB_KEY]() as session:
            await create_agent(session, ADMIN, PASSWORD, "Ada Admin", "admin")
        async with self.app[DB_KEY]() as session:
            await create_agent(session, ANALYST, PASSWORD, "Olle Analytiker", "analyst")
        await seed_signals(SimpleNamespace(app=self.app))

    async def _stop(self) -> None:
        await self._cleanup()


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/agent/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
