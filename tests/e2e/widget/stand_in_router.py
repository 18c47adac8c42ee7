"""A small, real aiohttp app that speaks the router's resident API (docs/architecture.md, widget brief).

It serves the widget's static files, demo page and contact details like the router does (`/` → demo.html,
`/static/` → router/static/, `/api/contact` from settings/contact.yml) and answers the resident API with the contract's shapes, with a
scripted bot, so the widget's browser tests can run before (and independently of) the router core.
Tests drive the agent side through `StandInRouter` methods running on the server's event loop.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import WSMsgType, web

from router import texts
from assistant.safety import is_emergency
from router.web.pages import create_templates
from facts.contact import load_contact_facts
from router.chat.alarm import after_alarm_reply, alarm_reply
from tests.e2e.router_sites import PHONES_REPLY

STATIC_DIR = Path(__file__).resolve().parents[3] / "router" / "static"
CONTACT = load_contact_facts(Path(__file__).resolve().parents[3] / "settings")

# The router's Content-Security-Policy (router/middlewares.py): no inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

NOTICE = texts.notice(CONTACT)
# Errors as the router sends them: {"error": code, "message": Swedish text}.
TOO_LONG = {"error": "text_too_long", "message": "Meddelandet är för långt. Det får vara högst 2 000 tecken."}
EMPTY = {"error": "empty_text", "message": "Meddelandet är tomt. Skriv något innan du skickar."}
RATE_LIMITED = {"error": "rate_limited", "message": "Du skickar meddelanden för snabbt. Vänta en stund."}
EXPIRED = {"error": "expired", "message": texts.ERRORS["expired"]}
MAX_CHARS = 2000

# Scripted bot: resident text → (reply text, buttons).
HTML_REPLY = '<img src="x" onerror="window.__xss = 1"><b>fet</b> &amp; <script>window.__xss = 2</script>'
LINK_REPLY = (
    "Läs mer på https://polisen.se/anmal. [Farlig länk](javascript:window.__xss=3) "
    "[Säker länk](https://www.helsingborg.se/trygghet) och javascript:window.__xss=4 "
    "samt data:text/html,<b>hej</b> [integritetsinformationen](/integritet) [Protokollrelativ](//evil.example/x)"
)
CHOICES = [{"title": "Ja tack", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}]
CONTACT_PHONE = "042-10 50 00"


# The system messages the router stores when an agent joins or leaves the chat (router/handoff/desk.py).
agent_joined_text = texts.agent_joined
HANDED_BACK, AGENT_REQUEUED, CLOSED_BY_AGENT = texts.HANDED_BACK, texts.AGENT_REQUEUED, texts.CLOSED_BY_AGENT


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def bot_replies(text: str) -> list[dict]:
    # Like the router: the safety net's alarm first, then a way to a person instead of "did not understand".
    if is_emergency(text):
        return [alarm_reply(text), after_alarm_reply(CONTACT_PHONE, "sv")]
    if text == "nummer":
        return [{"text": PHONES_REPLY, "buttons": []}]
    if text == "html":
        return [{"text": HTML_REPLY, "buttons": []}]
    if text == "länkar":
        return [{"text": LINK_REPLY, "buttons": []}]
    if text == "knappar":
        return [{"text": "Vill du veta mer?", "buttons": CHOICES}]
    if text == "/leave_message":
        return [{"text": "Skriv ditt meddelande, så återkommer en kommunvägledare.", "buttons": []}]
    return [{"text": f"Du skrev: {text}", "buttons": []}]


@dataclass
class Conversation:
    id: str
    token: str
    state: str = "bot"
    reference: str | None = None
    agent_name: str | None = None  # the display name of the agent chatting now
    messages: list[dict] = field(default_factory=list)
    replies_by_cmid: dict[str, list[dict]] = field(default_factory=dict)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    feedback: list[bool] = field(default_factory=list)
    leave_queue_requests: int = 0
    typing_signals: int = 0
    http_posts: int = 0
    ws_syncs: list[int] = field(default_factory=list)
    ws_query_strings: list[str] = field(default_factory=list)  # what each socket's URL carried after "?"
    expired: bool = False  # the token outlived RESIDENT_TOKEN_HOURS: refused with 401 "expired"

    def resident_texts(self) -> list[str]:
        return [m["text"] for m in self.messages if m["from"] == "resident"]


class StandInRouter:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.conversations: dict[str, Conversation] = {}
        self.next_message_id = 1
        self.ws_enabled = True
        self.echo_resident = True
        self.rate_limit_next = False
        self.requests: list[str] = []

    # ---------------------------------------------------------------- app
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/", self._demo)
        app.router.add_get("/integritet", self._privacy)
        app.router.add_get("/api/contact", self._contact)
        app.router.add_post("/api/conversations", self._create)
        app.router.add_get("/api/conversations/{id}", self._get)
        app.router.add_post("/api/conversations/{id}/messages", self._post_message)
        app.router.add_post("/api/conversations/{id}/leave-queue", self._leave_queue)
        app.router.add_post("/api/conversations/{id}/feedback", self._feedback)
        app.router.add_get("/ws/conversations/{id}", self._ws)
        app.router.add_static("/static/", STATIC_DIR)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler):
        self.requests.append(f"{request.method} {request.path}")
        response = await handler(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    async def _demo(self, request: web.Request) -> web.Response:
        html = create_templates().get_template("demo.html").render(contact=CONTACT)
        return web.Response(text=html, content_type="text/html")

    async def _contact(self, request: web.Request) -> web.Response:
        return web.json_response(CONTACT.as_json())

    async def _privacy(self, request: web.Request) -> web.Response:
        return web.Response(
            text='<!doctype html><html lang="sv"><title>Integritet</title><h1>Så hanterar vi dina uppgifter</h1></html>',
            content_type="text/html",
        )

    # ---------------------------------------------------------------- helpers
    def only(self) -> Conversation:
        """The single conversation a test created."""
        assert len(self.conversations) == 1, f"expected one conversation, got {len(self.conversations)}"
        return next(iter(self.conversations.values()))

    def _authorised(self, request: web.Request) -> Conversation:
        conv = self.conversations.get(request.match_info["id"])
        if conv is None:
            raise web.HTTPNotFound(text='{"error": "not_found", "message": "Okänd konversation."}', content_type="application/json")
        if request.headers.get("Authorization") != f"Bearer {conv.token}":
            raise web.HTTPUnauthorized(text='{"error": "unauthorized", "message": "Fel nyckel."}', content_type="application/json")
        if conv.expired:
            raise web.HTTPUnauthorized(text=json.dumps(EXPIRED, ensure_ascii=False), content_type="application/json")
        return conv

    def _store(
        self, conv: Conversation, sender: str, text: str, buttons=None, cmid: str | None = None, kind: str | None = None
    ) -> dict:
        message = {"id": self.next_message_id, "from": sender, "text": text, "at": _now(), "buttons": buttons or []}
        if kind:
            message["kind"] = kind
        if cmid:
            message["client_message_id"] = cmid
        if sender == "agent" and conv.agent_name:
            message["name"] = conv.agent_name  # only the transcript shows it, as the router does
        self.next_message_id += 1
        conv.messages.append(message)
        return message

    @staticmethod
    def _pushed(message: dict) -> dict:
        """A message frame as the router pushes it: without the agent's name (agent_joined carried it)."""
        return {"type": "message", **{k: v for k, v in message.items() if k != "name"}}

    async def broadcast(self, conv: Conversation, event: dict) -> None:
        for ws in list(conv.sockets):
            if not ws.closed:
                await ws.send_json(event)

    async def _receive(self, conv: Conversation, text: str, cmid: str | None, via_ws: bool) -> list[dict]:
        """Store a resident message once per client_message_id; returns the bot's replies."""
        if cmid and cmid in conv.replies_by_cmid:
            return []
        resident = self._store(conv, "resident", text, cmid=cmid)
        if via_ws and self.echo_resident:
            await self.broadcast(conv, self._pushed(resident))
        if conv.state == "bot":
            replies = bot_replies(text)
        else:  # a person answers; only the safety net speaks at once
            replies = [alarm_reply(text)] if is_emergency(text) else []
        for reply in replies:
            stored = self._store(conv, "bot", reply["text"], reply["buttons"], kind=reply.get("kind"))
            if via_ws:
                await self.broadcast(conv, self._pushed(stored))
        if cmid:
            conv.replies_by_cmid[cmid] = replies
        return replies

    @staticmethod
    def _problem(text: str | None) -> str | None:
        if not isinstance(text, str) or not text.strip():
            return "empty"
        if len(text) > MAX_CHARS:
            return "too_long"
        return None

    # ---------------------------------------------------------------- HTTP API
    async def _create(self, request: web.Request) -> web.Response:
        conv = Conversation(id=secrets.token_hex(8), token=secrets.token_urlsafe(24))
        self.conversations[conv.id] = conv
        return web.json_response({"id": conv.id, "token": conv.token, "notice": NOTICE}, status=201)

    async def _get(self, request: web.Request) -> web.Response:
        conv = self._authorised(request)
        messages = []
        for m in conv.messages:  # the contract's GET shape: no id, buttons only when present
            item = {"from": m["from"], "text": m["text"], "at": m["at"]}
            if m["buttons"]:
                item["buttons"] = m["buttons"]
            if "kind" in m:
                item["kind"] = m["kind"]
            if "name" in m:
                item["name"] = m["name"]
            messages.append(item)
        agent_name = conv.agent_name if conv.state == "agent" else None
        return web.json_response(
            {"state": conv.state, "reference": conv.reference, "agent_name": agent_name, "messages": messages}
        )

    async def _post_message(self, request: web.Request) -> web.Response:
        conv = self._authorised(request)
        conv.http_posts += 1
        body = await request.json()
        problem = self._problem(body.get("text"))
        if problem == "empty":
            return web.json_response(EMPTY, status=400)
        if problem == "too_long":
            return web.json_response(TOO_LONG, status=413)
        if self.rate_limit_next:
            self.rate_limit_next = False
            return web.json_response(RATE_LIMITED, status=429)
        replies = await self._receive(conv, body["text"], body.get("client_message_id"), via_ws=False)
        return web.json_response({"replies": replies, "state": conv.state})

    async def _leave_queue(self, request: web.Request) -> web.Response:
        conv = self._authorised(request)
        conv.leave_queue_requests += 1
        conv.state = "bot"
        return web.json_response({"state": conv.state})

    async def _feedback(self, request: web.Request) -> web.Response:
        conv = self._authorised(request)
        body = await request.json()
        if not isinstance(body.get("helped"), bool):
            return web.json_response({"error": "invalid_field", "message": "Fältet helped ska vara true eller false."}, status=400)
        conv.feedback.append(body["helped"])
        return web.json_response({"ok": True})

    # ---------------------------------------------------------------- WebSocket
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self.ws_enabled:
            raise web.HTTPServiceUnavailable()
        conv = self.conversations.get(request.match_info["id"])
        if conv is None:
            raise web.HTTPNotFound()
        conv.ws_query_strings.append(request.query_string)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        # As the router: the token comes in the first frame, never in the URL.
        first = await ws.receive()
        data = json.loads(first.data) if first.type == WSMsgType.TEXT else {}
        refusal = None
        if data.get("type") != "auth" or data.get("token") != conv.token:
            refusal = {"error": "unauthorized", "message": "Fel nyckel."}
        elif conv.expired:
            refusal = EXPIRED
        if refusal is not None:
            await ws.send_json({"type": "error", **refusal})
            await ws.close(code=4401)
            return ws
        conv.sockets.add(ws)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._ws_event(conv, ws, msg.json())
        finally:
            conv.sockets.discard(ws)
        return ws

    async def _ws_event(self, conv: Conversation, ws: web.WebSocketResponse, data: dict) -> None:
        kind = data.get("type")
        if kind == "message":
            problem = self._problem(data.get("text"))
            if problem or self.rate_limit_next:
                self.rate_limit_next = False
                error = {"empty": EMPTY, "too_long": TOO_LONG}.get(problem or "", RATE_LIMITED)
                await ws.send_json({"type": "error", **error})
                return
            await self._receive(conv, data["text"], data.get("client_message_id"), via_ws=True)
        elif kind == "sync":
            after = int(data.get("after_id") or 0)
            conv.ws_syncs.append(after)
            for m in conv.messages:
                if m["id"] > after:
                    await ws.send_json(self._pushed(m))
        elif kind == "typing":
            conv.typing_signals += 1
        elif kind == "leave_queue":
            conv.leave_queue_requests += 1
            conv.state = "bot"
            await self.broadcast(conv, {"type": "state", "state": "bot"})

    # ---------------------------------------------------------------- the agent side, for tests
    async def queue(self, conv: Conversation, position: int, wait_minutes: int) -> None:
        conv.state = "queued"
        conv.reference = "HBG-2026-000123"
        await self.broadcast(conv, {"type": "state", "state": "queued"})
        await self.broadcast(
            conv, {"type": "queue", "position": position, "wait_minutes": wait_minutes, "reference": conv.reference}
        )

    async def agent_joins(self, conv: Conversation, name: str) -> None:
        """As the router's claim: agent_joined, state, then its stored system message saying who joined."""
        conv.state = "agent"
        conv.agent_name = name
        await self.broadcast(conv, {"type": "agent_joined", "name": name})
        await self.broadcast(conv, {"type": "state", "state": "agent"})
        await self.broadcast(conv, self._pushed(self._store(conv, "system", agent_joined_text(name))))

    async def agent_typing(self, conv: Conversation) -> None:
        await self.broadcast(conv, {"type": "typing", "from": "agent"})

    async def agent_says(self, conv: Conversation, text: str) -> None:
        await self.broadcast(conv, self._pushed(self._store(conv, "agent", text)))

    async def _agent_leaves(self, conv: Conversation, name: str, state: str, text: str) -> None:
        """As the router's hand back, close and requeue (router/handoff/desk.py): the system message is stored first,
        then agent_left, state (and closed when closing) go out, and only then the stored message."""
        conv.state = state
        conv.agent_name = None
        notice = self._store(conv, "system", text)
        await self.broadcast(conv, {"type": "agent_left", "name": name})
        await self.broadcast(conv, {"type": "state", "state": state})
        if state == "closed":
            await self.broadcast(conv, {"type": "closed"})
        await self.broadcast(conv, self._pushed(notice))

    async def agent_hands_back(self, conv: Conversation, name: str) -> None:
        await self._agent_leaves(conv, name, "bot", HANDED_BACK)

    async def agent_closes(self, conv: Conversation, name: str) -> None:
        await self._agent_leaves(conv, name, "closed", CLOSED_BY_AGENT)

    async def agent_requeues(self, conv: Conversation, name: str, position: int = 1, wait_minutes: int = 1) -> None:
        await self._agent_leaves(conv, name, "queued", AGENT_REQUEUED)
        # The router then tells every waiting resident their place (Queue.publish).
        await self.broadcast(
            conv, {"type": "queue", "position": position, "wait_minutes": wait_minutes, "reference": conv.reference}
        )

    async def close(self, conv: Conversation) -> None:
        """A bare closed frame, without an agent or a stored message."""
        conv.state = "closed"
        await self.broadcast(conv, {"type": "closed"})

    async def store_while_offline(self, conv: Conversation, sender: str, text: str) -> None:
        """A message the router stored while the resident's socket was down (no push)."""
        self._store(conv, sender, text)

    async def drop_sockets(self, conv: Conversation) -> None:
        for ws in list(conv.sockets):
            await ws.close(code=1011)
