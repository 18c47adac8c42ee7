"""The real router app for the console's browser tests: create_app on its own event loop (Rasa is a
stand-in that is not asked while a person answers), agents in the database, residents played over HTTP,
and optionally a real SMTP server (aiosmtpd) for answers to left messages."""
from __future__ import annotations

from dataclasses import replace
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from playwright.sync_api import Page, expect

from router.handoff.accounts import create_agent
from router.app import create_app
from router.core.clock import Clock
from router.core.config import Settings
from router.core.options import RouterOptions
from router.handoff.keys import PRESENCE_KEY
from router.keys import DB_KEY
from tests.e2e.threaded_site import ThreadedSite
from tests.router.conftest import INTERNAL_SECRET, MONDAY_10, PASSWORD, RASA_TOKEN, FakeRasa
from tests.router.smtp_fixtures import SmtpServer

from .conftest import PROJECT_ROOT

AGENT = "anna"


class ConsoleSite(ThreadedSite):
    """The router on a free 127.0.0.1 port with the agents `agents` (username → display name)."""

    def __init__(
        self,
        database: Path,
        agents: dict[str, str] | None = None,
        smtp: SmtpServer | None = None,
        rasa_answer: Callable[[str, str], Any] | None = None,
    ) -> None:
        self.database = database
        self.rasa_answer = rasa_answer  # the stand-in Rasa's replies (FakeRasa.answer); None: "Du skrev: …"
        self.agents = agents or {AGENT: "Anna"}
        self.smtp = smtp
        self.agent_ids: dict[str, int] = {}
        super().__init__("console-router")

    async def _start(self) -> None:
        rasa = FakeRasa(answer=self.rasa_answer)
        rasa.url = await self._serve(rasa.app())
        settings = Settings(
            rasa_url=rasa.url, rasa_token=RASA_TOKEN, actions_url=rasa.url, internal_secret=INTERNAL_SECRET,
            database_url=f"sqlite+aiosqlite:///{self.database}", settings_dir=PROJECT_ROOT / "settings",
        )
        if self.smtp is not None:
            settings = replace(settings, smtp=self.smtp.settings)
        options = RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1)
        self.app = create_app(settings, clock=Clock(start=MONDAY_10), options=options)
        self.url = await self._serve(self.app)
        rasa.router_url = self.url
        async with self.app[DB_KEY]() as session:
            for username, name in self.agents.items():
                self.agent_ids[username] = (await create_agent(session, username, PASSWORD, name, "agent")).id
        self.http = aiohttp.ClientSession(self.url)

    async def _stop(self) -> None:
        await self.http.close()
        await self._cleanup()

    async def _queued_resident(self, first_message: str | None, topic: str | None) -> tuple[str, dict[str, str], str]:
        created = await (await self.http.post("/api/conversations")).json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        if first_message:
            await self.http.post(f"/api/conversations/{created['id']}/messages", json={"text": first_message}, headers=auth)
        queued = await self.http.post(
            "/internal/handoff",
            json={"conversation_id": created["id"], "reason": "topic" if topic else "requested", "topic": topic},
            headers={"X-Internal-Secret": INTERNAL_SECRET},
        )
        body = await queued.json()
        assert body["outcome"] == "queued", body
        return created["id"], auth, body["reference"]

    def queued_resident(self, first_message: str | None = None, topic: str | None = None) -> tuple[str, dict[str, str], str]:
        return self.call(self._queued_resident(first_message, topic))

    async def _request_again(self, conversation_id: str) -> dict[str, Any]:
        queued = await self.http.post(
            "/internal/handoff", json={"conversation_id": conversation_id, "reason": "requested", "topic": None},
            headers={"X-Internal-Secret": INTERNAL_SECRET},
        )
        return await queued.json()

    def request_again(self, conversation_id: str) -> dict[str, Any]:
        return self.call(self._request_again(conversation_id))

    async def _write(self, conversation_id: str, auth: dict[str, str], text: str) -> dict[str, Any]:
        response = await self.http.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
        return await response.json()

    def write(self, conversation_id: str, auth: dict[str, str], text: str) -> dict[str, Any]:
        return self.call(self._write(conversation_id, auth, text))

    async def _resident_messages(self, conversation_id: str, auth: dict[str, str]) -> list[dict[str, Any]]:
        response = await self.http.get(f"/api/conversations/{conversation_id}", headers=auth)
        return (await response.json())["messages"]

    def resident_messages(self, conversation_id: str, auth: dict[str, str]) -> list[dict[str, Any]]:
        return self.call(self._resident_messages(conversation_id, auth))

    async def _typing(self, conversation_id: str, auth: dict[str, str]) -> None:
        """The resident's widget starts typing: one typing frame on the resident WebSocket."""
        async with self.http.ws_connect(f"/ws/conversations/{conversation_id}") as socket:
            await socket.send_json({"type": "auth", "token": auth["Authorization"].split(" ", 1)[1]})
            assert (await socket.receive_json())["type"] == "state"
            await socket.send_json({"type": "typing"})

    def typing(self, conversation_id: str, auth: dict[str, str]) -> None:
        self.call(self._typing(conversation_id, auth))

    async def _leave_message(self, text: str, contact: str | None) -> str:
        created = await (await self.http.post("/api/conversations")).json()
        left = await self.http.post(
            "/internal/left-messages", json={"conversation_id": created["id"], "text": text, "contact": contact},
            headers={"X-Internal-Secret": INTERNAL_SECRET},
        )
        return (await left.json())["reference"]

    def leave_message(self, text: str, contact: str | None) -> str:
        return self.call(self._leave_message(text, contact))

    def set_online(self, username: str) -> None:
        self.call(self.app[PRESENCE_KEY].set_online(self.agent_ids[username], True))


def log_in(page: Page, site: ConsoleSite, username: str = AGENT) -> None:
    page.goto(site.url + "/agent/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(site.url + "/agent")


def log_in_online(page: Page, site: ConsoleSite, username: str = AGENT) -> None:
    log_in(page, site, username)
    page.get_by_label("Tillgänglig för chatt").check()
    expect(page.locator("#agents-online")).to_contain_text("tillgänglig")
