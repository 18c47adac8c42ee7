"""The real router app with single sign-on against the real OpenID provider of the router tests
(tests/router/oidc_fixtures.py), served on a thread for the browser test, with residents reaching it over
its HTTP API."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from router.app import create_app
from router.core.clock import Clock
from router.core.config import Settings
from router.core.options import RouterOptions
from tests.e2e.threaded_site import ThreadedSite
from tests.e2e.widget.conftest import PROJECT_ROOT
from tests.router.conftest import INTERNAL_SECRET, MONDAY_10, RASA_TOKEN, FakeRasa
from tests.router.oidc_fixtures import OpenIdProvider, oidc_config


class SsoSite(ThreadedSite):
    def __init__(self, provider: OpenIdProvider, database: Path) -> None:
        self.provider = provider
        self.database = database
        # The provider stamps its tokens with the real time; the router's clock starts there.
        self.clock = Clock(start=datetime.now(timezone.utc))
        super().__init__("sso-router")

    async def _start(self) -> None:
        rasa = FakeRasa()
        rasa.url = await self._serve(rasa.app())
        settings = Settings(
            rasa_url=rasa.url, rasa_token=RASA_TOKEN, actions_url=rasa.url, internal_secret=INTERNAL_SECRET,
            database_url=f"sqlite+aiosqlite:///{self.database}", settings_dir=PROJECT_ROOT / "settings",
        )
        options = RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1)
        self.app = create_app(replace(settings, oidc=oidc_config(self.provider)), clock=self.clock, options=options)
        self.url = await self._serve(self.app)
        rasa.router_url = self.url

    async def _stop(self) -> None:
        await self._cleanup()

    def queue_resident(self) -> tuple[str, str]:
        """A resident who asked for a person during opening hours (Monday 10:00): (conversation id, token)."""
        async def queue() -> tuple[str, str]:
            self.clock.set(MONDAY_10)
            async with aiohttp.ClientSession(self.url) as http:
                created = await (await http.post("/api/conversations")).json()
                answer = await http.post(
                    "/internal/handoff", headers={"X-Internal-Secret": INTERNAL_SECRET},
                    json={"conversation_id": created["id"], "reason": "requested", "topic": None},
                )
                assert (await answer.json())["outcome"] == "queued"
            return created["id"], created["token"]
        return self.call(queue())

    def resident_sees(self, conversation_id: str, token: str) -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            async with aiohttp.ClientSession(self.url) as http:
                answer = await http.get(f"/api/conversations/{conversation_id}",
                                        headers={"Authorization": f"Bearer {token}"})
                return (await answer.json())["messages"]
        return self.call(read())


@pytest.fixture
def sso_site(oidc_provider: OpenIdProvider, tmp_path: Path) -> Iterator[SsoSite]:
    running = SsoSite(oidc_provider, tmp_path / "router.db")
    running.start()
    yield running
    running.stop()
