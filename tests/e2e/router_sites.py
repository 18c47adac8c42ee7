"""The real router app (`create_app`) for the browser tests, with the fake Rasa of the router tests
(tests/router/fake_rasa.py), served from an event loop in its own thread (tests/e2e/threaded_site.py):

- `WidgetSite`: the resident chat; the fake Rasa answers with scripted replies and residents are read back
  through the router's own resident API;
- `ConsoleSite`: agents in the database, residents played over HTTP, optionally a real SMTP server
  (aiosmtpd) for answers to left messages;
- `SsoSite` (fixture `sso_site`): single sign-on against the real OpenID provider of the router tests.

One module for all three (it replaces tests/e2e/sso_fixtures.py and tests/e2e/widget/console_site.py), so
the router is configured for the browser the same way everywhere."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from assistant.safety import is_emergency
from router.app import create_app
from router.core.clock import Clock
from router.core.config import PROJECT_ROOT, Settings
from router.core.options import RouterOptions
from router.bus.keys import PUBSUB_KEY
from router.bus.pubsub import AGENTS_CHANNEL
from router.handoff.accounts import create_agent
from router.handoff.keys import DESK_KEY, HANDOFF_CONFIG_KEY, PRESENCE_KEY
from router.handoff.sockets import close_all
from router.keys import DB_KEY
from router.models import CASE_CLAIMED, CASE_QUEUED, CHAT, Agent, Case, Feedback
from router.rasa.client import FALLBACK_MARKER
from router.records.keys import RETENTION_KEY
from router.signals.keys import SIGNAL_STORE_KEY
from router.signals.models import Signal, SignalCreate
from tests.e2e.threaded_site import ThreadedSite
from tests.router.constants import INTERNAL_SECRET, MONDAY_10, PASSWORD, RASA_TOKEN
from tests.router.fake_rasa import FakeRasa, rest_messages
from tests.router.oidc_fixtures import OpenIdProvider, oidc_config
from tests.router.smtp_fixtures import SmtpServer

AGENT = "anna"


# Limits high enough that no test meets them unless it asks for lower ones.
TEST_OPTIONS = RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1)


class RouterSite(ThreadedSite):
    """`create_app` on a free 127.0.0.1 port, with a `FakeRasa` (also answering as the action server)."""

    def __init__(
        self, database: Path, name: str, clock: Clock | None = None, options: RouterOptions = TEST_OPTIONS
    ) -> None:
        self.database = database
        self.clock = clock or Clock(start=MONDAY_10)
        self.options = options
        self.rasa = FakeRasa()
        super().__init__(name)

    def configure(self, settings: Settings) -> Settings:
        """What a kind of site changes in the router's settings."""
        return settings

    async def _prepare(self) -> None:
        """What a kind of site sets up once the router runs."""

    async def _start(self) -> None:
        self.rasa.url = await self._serve(self.rasa.app())
        settings = Settings(
            rasa_url=self.rasa.url, rasa_token=RASA_TOKEN, actions_url=self.rasa.url, internal_secret=INTERNAL_SECRET,
            database_url=f"sqlite+aiosqlite:///{self.database}", settings_dir=PROJECT_ROOT / "settings",
        )
        self.settings = self.configure(settings)
        self.app = create_app(self.settings, clock=self.clock, options=self.options)
        self._router = await self._serve_runner(self.app)
        self.url = f"http://127.0.0.1:{self._router.addresses[0][1]}"
        self.rasa.router_url = self.url
        self.http = aiohttp.ClientSession(self.url)
        await self._prepare()

    async def _stop(self) -> None:
        await self.http.close()
        await self._cleanup()

    def restart(self) -> None:
        """Stop the router as a deployment does (its sockets are closed on shutdown) and start it again on the
        same port and database: what a router process keeps in memory (rate-limit buckets, queue estimates)
        starts over, what is stored stays."""
        self.call(self._restart(), timeout=60)

    async def _restart(self) -> None:
        port = self._router.addresses[0][1]
        await self._router.cleanup()
        self._runners.remove(self._router)
        self.app = create_app(self.settings, clock=self.clock, options=self.options)
        self._router = await self._serve_runner(self.app, port)


# ---------------------------------------------------------------------------------------------- residents

# Every number residents are given, as the answers write them.
PHONE_NUMBERS = [
    "112", "114 14", "116 006", "90101", "1177", "113 13", "020-50 50 50", "042-10 50 00", "042-10 64 56", "042-10 68 69",
]
PHONES_REPLY = (
    "Är det akut – ring 112. Tips till polisen: 114 14. Brottsofferjouren: 116 006. Mind självmordslinjen: 90101. "
    "Sjukvårdsrådgivning: 1177. Vid en större kris: 113 13. Kvinnofridslinjen: 020-50 50 50. "
    "Kontaktcenter: 042-10 50 00, 042-10 64 56 eller 042-10 68 69. Ärende HBG-2026-000112, läs på 1177.se."
)
# What the fake Rasa answers to the widget tests' messages. A message the safety net takes for an emergency
# gets Rasa's "did not understand" with its fallback marker (the router shows a way to a person instead);
# anything else is echoed "Du skrev: …".
# Markup and links a reply must never turn into live HTML or unsafe links in the widget.
HTML_REPLY = '<img src="x" onerror="window.__xss = 1"><b>fet</b> &amp; <script>window.__xss = 2</script>'
LINK_REPLY = (
    "Läs mer på https://polisen.se/anmal. [Farlig länk](javascript:window.__xss=3) "
    "[Säker länk](https://www.helsingborg.se/trygghet) och javascript:window.__xss=4 "
    "samt data:text/html,<b>hej</b> [integritetsinformationen](/integritet) [Protokollrelativ](//evil.example/x)"
)
SCRIPTED_REPLIES = {
    "nummer": rest_messages(PHONES_REPLY),
    "html": rest_messages(HTML_REPLY),
    "länkar": rest_messages(LINK_REPLY),
    "knappar": rest_messages(
        "Vill du veta mer?", buttons=[{"title": "Ja tack", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}]
    ),
}


def scripted_answer(sender: str, text: str) -> list[dict[str, Any]]:
    if text in SCRIPTED_REPLIES:
        return SCRIPTED_REPLIES[text]
    if is_emergency(text):
        return rest_messages("Förlåt, jag förstod inte riktigt.", marker=FALLBACK_MARKER)
    return [{"recipient_id": sender, "text": f"Du skrev: {text}"}]


class SiteConversation:
    """A conversation the widget opened, read back through the router's resident API with its token."""

    def __init__(self, site: WidgetSite, conversation_id: str, token: str) -> None:
        self.site = site
        self.id = conversation_id
        self.token = token

    def transcript(self) -> dict[str, Any]:
        """GET /api/conversations/{id}: state, reference, agent_name and messages."""
        async def read() -> dict[str, Any]:
            answer = await self.site.http.get(
                f"/api/conversations/{self.id}", headers={"Authorization": f"Bearer {self.token}"}
            )
            assert answer.status == 200, (answer.status, await answer.text())
            return await answer.json()
        return self.site.call(read())

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.transcript()["messages"]

    def resident_texts(self) -> list[str]:
        return [m["text"] for m in self.messages if m["from"] == "resident"]

    def feedback(self) -> list[bool]:
        """The answers to "Fick du hjälp?" the router stored for this conversation, oldest first."""
        async def read() -> list[bool]:
            async with self.site.app[DB_KEY]() as session:
                rows = await session.exec(
                    select(Feedback).where(Feedback.conversation_id == self.id).order_by(Feedback.id)  # type: ignore[arg-type]
                )
                return [row.helped for row in rows.all()]
        return self.site.call(read())


class WidgetSite(RouterSite):
    """The resident side: the widget talks to the real router; the fake Rasa answers from SCRIPTED_REPLIES.
    The kommunvägledare Anna (`agent`) works through the router's own Desk; `console_frames` is what every
    agent console is sent (a resident typing, the queue)."""

    def __init__(self, database: Path, options: RouterOptions = TEST_OPTIONS) -> None:
        super().__init__(database, "widget-router", options=options)
        self.rasa.answer = scripted_answer
        self.agent = DeskAgent(self)
        self.console_frames: list[dict[str, Any]] = []

    async def _prepare(self) -> None:
        async with self.app[DB_KEY]() as session:
            agent_id = (await create_agent(session, AGENT, PASSWORD, "Anna", "agent")).id
        assert agent_id is not None
        self.agent_id: int = agent_id
        await self._follow_consoles()

    async def _follow_consoles(self) -> None:
        subscribed = asyncio.Event()

        async def follow() -> None:
            async with self.app[PUBSUB_KEY].subscribe(AGENTS_CHANNEL) as subscription:
                subscribed.set()
                async for frame in subscription:
                    self.console_frames.append(frame)

        self._console_feed = asyncio.create_task(follow(), name="console-feed")
        await subscribed.wait()

    async def _unfollow_consoles(self) -> None:
        self._console_feed.cancel()
        await asyncio.gather(self._console_feed, return_exceptions=True)

    async def _stop(self) -> None:
        await self._unfollow_consoles()
        await super()._stop()

    async def _restart(self) -> None:
        await self._unfollow_consoles()
        await super()._restart()
        await self._follow_consoles()

    def typing_seen_by_consoles(self, conversation: SiteConversation) -> int:
        return sum(
            1 for frame in list(self.console_frames)
            if frame.get("type") == "typing" and frame.get("conversation_id") == conversation.id
        )

    async def _request_handoff(self, conversation_id: str) -> dict[str, Any]:
        await self.app[PRESENCE_KEY].set_online(self.agent_id, True)
        answer = await self.http.post(
            "/internal/handoff", headers={"X-Internal-Secret": INTERNAL_SECRET},
            json={"conversation_id": conversation_id, "reason": "requested", "topic": None},
        )
        queued = await answer.json()
        assert queued["outcome"] == "queued", queued
        return queued

    def queue(self, conversation: SiteConversation) -> dict[str, Any]:
        """The resident asked for a person (as Rasa's handoff action asks the router) while an agent is
        available (Monday 10:00): queued."""
        return self.call(self._request_handoff(conversation.id))

    def queue_another_resident(self) -> str:
        """Someone else asks for a person (over the resident API): their conversation id."""
        async def queue() -> str:
            created = await (await self.http.post("/api/conversations")).json()
            await self._request_handoff(created["id"])
            return created["id"]
        return self.call(queue())

    def drop_sockets(self) -> None:
        """The router closes every WebSocket it has open, as when it shuts down."""
        self.call(close_all(self.app))

    def later(self, delta: timedelta) -> None:
        """Move the router's clock on."""
        self.clock.set(self.clock.now() + delta)

    def run_retention(self) -> dict[str, Any]:
        """Gallring now (settings/retention.yml): what is due is deleted."""
        return self.call(self.app[RETENTION_KEY].run()).as_json()

    def conversation_of(self, page: Page) -> SiteConversation:
        """The conversation the widget on `page` keeps in its session storage."""
        stored = page.evaluate(
            "() => Object.keys(sessionStorage).map((key) => sessionStorage.getItem(key))"
            ".map((raw) => { try { return JSON.parse(raw); } catch (e) { return null; } })"
            ".find((value) => value && value.id && value.token)"
        )
        assert stored, "the widget has not opened a conversation"
        return SiteConversation(self, stored["id"], stored["token"])


class DeskAgent:
    """The kommunvägledare Anna, played through the router's own Desk on its loop: what her console's buttons
    call (take the chat, write, typing, hand back, put back in the queue, close). `conversation` is anything
    with the conversation's `id` (a SiteConversation, or the id of another resident's conversation)."""

    def __init__(self, site: WidgetSite) -> None:
        self.site = site

    def _act(self, conversation: SiteConversation | str, action: str, *args: Any, drop_sockets: bool = False) -> Any:
        conversation_id = conversation if isinstance(conversation, str) else conversation.id

        async def act() -> Any:
            if drop_sockets:
                await close_all(self.site.app)
            async with self.site.app[DB_KEY]() as session:
                agent = await session.get(Agent, self.site.agent_id)
                case = (
                    await session.exec(
                        select(Case)
                        .where(Case.conversation_id == conversation_id, Case.kind == CHAT)
                        .where(Case.status.in_((CASE_QUEUED, CASE_CLAIMED)))  # type: ignore[attr-defined]
                        .order_by(Case.id.desc())  # type: ignore[union-attr]
                    )
                ).first()
            assert agent is not None and case is not None, f"no open chat for {conversation_id}"
            return await getattr(self.site.app[DESK_KEY], action)(case.id, agent, *args)
        return self.site.call(act())

    def joins(self, conversation: SiteConversation | str) -> None:
        self._act(conversation, "claim")

    def types(self, conversation: SiteConversation) -> None:
        self._act(conversation, "typing")

    def says(self, conversation: SiteConversation, text: str) -> None:
        self._act(conversation, "send", text)

    def says_after_dropping_sockets(self, conversation: SiteConversation, text: str) -> None:
        """The router closes every socket and Anna writes at once, in one step on the router's loop: her
        message is stored while the widget has no socket, so it only arrives by the sync after reconnecting."""
        self._act(conversation, "send", text, drop_sockets=True)

    def hands_back(self, conversation: SiteConversation) -> None:
        self._act(conversation, "hand_back")

    def requeues(self, conversation: SiteConversation) -> None:
        self._act(conversation, "requeue")

    def closes(self, conversation: SiteConversation) -> None:
        self._act(conversation, "close", self.site.app[HANDOFF_CONFIG_KEY].close_categories[0])


# ---------------------------------------------------------------------------------------------- console


class ConsoleSite(RouterSite):
    """The router with the agents `agents` (username → display name), optionally an SMTP server, and the fake
    Rasa's replies `rasa_answer` (FakeRasa.answer; None: "Du skrev: …"). The trygghetssignaler of the site
    are read straight from its database (`signals`), since the analysts' export hides counts under 5."""

    def __init__(
        self, database: Path, agents: dict[str, str] | None = None, smtp: SmtpServer | None = None,
        rasa_answer: Callable[[str, str], Any] | None = None,
    ) -> None:
        self.agents = agents or {AGENT: "Anna"}
        self.smtp = smtp
        self.agent_ids: dict[str, int] = {}
        super().__init__(database, "console-router")
        self.rasa.answer = rasa_answer

    def configure(self, settings: Settings) -> Settings:
        return settings if self.smtp is None else replace(settings, smtp=self.smtp.settings)

    async def _prepare(self) -> None:
        async with self.app[DB_KEY]() as session:
            for username, name in self.agents.items():
                self.agent_ids[username] = (await create_agent(session, username, PASSWORD, name, "agent")).id

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

    async def _add_account(self, username: str, name: str, role: str) -> None:
        async with self.app[DB_KEY]() as session:
            self.agent_ids[username] = (await create_agent(session, username, PASSWORD, name, role)).id

    def add_account(self, username: str, name: str, role: str) -> None:
        """Another login (an analyst of the trygghetssignaler, an admin) next to the agents."""
        self.call(self._add_account(username, name, role))

    async def _chat_signal(self, conversation_id: str, intent: str, text: str) -> dict[str, Any]:
        answer = await self.http.post(
            "/internal/signals", headers={"X-Internal-Secret": INTERNAL_SECRET},
            json={"conversation_id": conversation_id, "intent": intent, "text": text},
        )
        return await answer.json()

    def chat_signal(self, conversation_id: str, intent: str, text: str) -> dict[str, Any]:
        """What the action server asks after answering a resident who felt unsafe: record the chat's signal."""
        recorded = self.call(self._chat_signal(conversation_id, intent, text))
        assert recorded["recorded"], recorded
        return recorded

    async def _signals(self) -> list[Signal]:
        async with self.app[DB_KEY]() as session:
            return list((await session.exec(select(Signal).order_by(Signal.id))).all())  # type: ignore[arg-type]

    def signals(self) -> list[Signal]:
        """Every trygghetssignal in the site's database, oldest first."""
        return self.call(self._signals())

    def record_signals(self, signal: SignalCreate, count: int) -> None:
        """`count` earlier signals like `signal` (through the router's own store), for counts above the
        small-number threshold."""
        async def record() -> None:
            for _ in range(count):
                await self.app[SIGNAL_STORE_KEY].record(signal)
        self.call(record())


def log_in(page: Page, site: ConsoleSite, username: str = AGENT) -> None:
    page.goto(site.url + "/agent/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(site.url + "/agent")


def log_in_online(page: Page, site: ConsoleSite, username: str = AGENT) -> None:
    log_in(page, site, username)
    go_online(page)


def go_online(page: Page) -> None:
    """Tick "Tillgänglig för chatt" in a loaded console and wait for the server's answer (the page's first
    count, "0 kommunvägledare tillgängliga", and its status line, cleared when the socket opens, would not do)."""
    toggle = page.get_by_label("Tillgänglig för chatt")
    expect(toggle).to_be_enabled()  # disabled until the console's script listens to it
    if not toggle.is_checked():
        with page.expect_response(lambda r: r.url.endswith("/api/agent/presence") and r.request.method == "POST") as answer:
            toggle.check()
        assert answer.value.ok and answer.value.json()["online"] is True


# ---------------------------------------------------------------------------------------------- single sign-on


class SsoSite(RouterSite):
    def __init__(self, provider: OpenIdProvider, database: Path) -> None:
        self.provider = provider
        # The provider stamps its tokens with the real time; the router's clock starts there.
        super().__init__(database, "sso-router", clock=Clock(start=datetime.now(timezone.utc)))

    def configure(self, settings: Settings) -> Settings:
        return replace(settings, oidc=oidc_config(self.provider))

    def queue_resident(self) -> tuple[str, str]:
        """A resident who asked for a person during opening hours (Monday 10:00): (conversation id, token)."""
        async def queue() -> tuple[str, str]:
            self.clock.set(MONDAY_10)
            created = await (await self.http.post("/api/conversations")).json()
            answer = await self.http.post(
                "/internal/handoff", headers={"X-Internal-Secret": INTERNAL_SECRET},
                json={"conversation_id": created["id"], "reason": "requested", "topic": None},
            )
            assert (await answer.json())["outcome"] == "queued"
            return created["id"], created["token"]
        return self.call(queue())

    def resident_sees(self, conversation_id: str, token: str) -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            answer = await self.http.get(f"/api/conversations/{conversation_id}",
                                         headers={"Authorization": f"Bearer {token}"})
            return (await answer.json())["messages"]
        return self.call(read())


@pytest.fixture
def sso_site(oidc_provider: OpenIdProvider, tmp_path: Path) -> Iterator[SsoSite]:
    running = SsoSite(oidc_provider, tmp_path / "router.db")
    running.start()
    yield running
    running.stop()
