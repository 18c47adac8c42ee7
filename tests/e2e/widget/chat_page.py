"""How the tests reach the widget on the demo page: by role and accessible name, as a person would; what
the page sent to the router (`requests`, `socket_urls`, `frames_sent`), as its network shows it; and, for
a page whose clock is installed (`page.clock.install()` before `open`), the widget's timers moved on
(`next_poll`) instead of waited for."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, WebSocket, WebSocketRoute, expect

from tests.e2e.browser import wait_until
from tests.e2e.router_sites import SiteConversation, WidgetSite

SOCKETS = re.compile(r".*/ws/conversations/[^/?]+$")
# How far `next_poll` moves the page's clock per step, and how far in all before it gives up: the widget
# polls every POLL_MS (5 s) in router/static/widget.js, counted from the moment the poll before was answered.
CLOCK_STEP_MS = 250
POLL_WITHIN_MS = 12_000


class ChatPage:
    """The widget served by the real router (`WidgetSite`)."""

    def __init__(self, page: Page, site: WidgetSite) -> None:
        self.page = page
        self.site = site
        self.base_url = site.url
        self.launcher: Locator = page.get_by_role("button", name="Chatta med oss")
        self.panel: Locator = page.get_by_role("dialog", name="Chatta med Helsingborgs stad")
        self.input: Locator = page.get_by_role("textbox", name="Skriv ditt meddelande")
        self.send_button: Locator = self.panel.get_by_role("button", name="Skicka", exact=True)
        self.log: Locator = page.get_by_role("log", name="Meddelanden")
        self.bubbles: Locator = self.log.locator(".hbgc-bubble")
        self.prompt: Locator = page.get_by_role("alertdialog")
        self.requests: list[str] = []  # "METHOD /path" of every request to the router
        self.answered: list[str] = []  # the same, once their answer has arrived
        self.socket_urls: list[str] = []
        self.frames_sent: list[dict[str, Any]] = []
        self.states_received = 0  # "state" frames: the router sends one once a socket is authenticated
        self.sockets_closed = 0
        self._sockets = "open"  # or "refused", or "one-way" (see refuse_websockets, drop_resident_frames)
        self._routed = False
        page.on("request", self._record_request)
        page.on("requestfinished", self._record_answer)
        page.on("websocket", self._record_socket)

    # ------------------------------------------------------------------ what the page sent
    def _record_request(self, request: Any) -> None:
        if request.url.startswith(self.base_url):
            self.requests.append(f"{request.method} {request.url[len(self.base_url):]}")

    def _record_answer(self, request: Any) -> None:
        if request.url.startswith(self.base_url):
            self.answered.append(f"{request.method} {request.url[len(self.base_url):]}")

    def _record_socket(self, socket: WebSocket) -> None:
        self.socket_urls.append(socket.url)
        socket.on("framesent", self._record_frame)
        socket.on("framereceived", self._record_received)
        socket.on("close", self._record_close)

    def _record_frame(self, payload: str | bytes) -> None:
        self.frames_sent.append(json.loads(payload))

    def _record_received(self, payload: str | bytes) -> None:
        if json.loads(payload).get("type") == "state":
            self.states_received += 1

    def _record_close(self, _socket: WebSocket) -> None:
        self.sockets_closed += 1

    def count(self, request: str) -> int:
        return self.requests.count(request)

    def finished(self, request: str) -> int:
        return self.answered.count(request)

    def sent(self, kind: str) -> list[dict[str, Any]]:
        """The frames of this type the page sent over its WebSockets, oldest first."""
        return [frame for frame in self.frames_sent if frame.get("type") == kind]

    def wait_for(self, predicate: Callable[[], object], what: str, timeout: float = 5.0) -> None:
        """Wait for something the page's events tell (Playwright only delivers them inside its calls)."""
        wait_until(predicate, timeout=timeout, what=what, page=self.page)

    def next_poll(self, conv: SiteConversation) -> None:
        """Move the page's clock on, a step at a time as the real clock would, until the widget (falling back
        to HTTP) asks GET /api/conversations/{id} again. The widget times a poll only once the poll before it
        has been answered and merged into the log, so by then every earlier poll's answer is on the page."""
        poll = f"GET /api/conversations/{conv.id}"
        polls = self.count(poll)
        moved = 0
        while self.count(poll) == polls:
            if moved >= POLL_WITHIN_MS:
                raise AssertionError(f"no poll within {POLL_WITHIN_MS} ms of the page's clock")
            self.page.clock.run_for(CLOCK_STEP_MS)
            moved += CLOCK_STEP_MS
            self.page.wait_for_timeout(10)  # the previous poll's answer arrives on the real clock

    # ------------------------------------------------------------------ network faults between page and router
    def _route_sockets(self) -> None:
        if not self._routed:
            self._routed = True
            self.page.route_web_socket(SOCKETS, self._socket_route)

    def _socket_route(self, route: WebSocketRoute) -> None:
        if self._sockets == "refused":
            route.close(code=1011, reason="no websockets here")
            return
        server = route.connect_to_server()
        if self._sockets == "one-way":
            route.on_message(lambda message: None if _is_message(message) else server.send(message))

    def refuse_websockets(self) -> None:
        """The network between page and router lets no WebSocket through (a proxy that does not pass them):
        every socket the widget opens is closed at once, so it falls back to HTTP."""
        self._sockets = "refused"
        self._route_sockets()

    def drop_resident_frames(self) -> None:
        """Sockets open from now on lose the resident's message frames on the way to the router; everything
        else passes both ways."""
        self._sockets = "one-way"
        self._route_sockets()

    def allow_websockets(self) -> None:
        self._sockets = "open"

    # ------------------------------------------------------------------ the widget
    def goto(self) -> None:
        self.page.goto(self.base_url + "/")

    def open(self) -> SiteConversation:
        """Load the demo page, open the chat and wait until the resident can write and, unless sockets are
        refused, until the router has taken the socket's token (frames the agent side sends then arrive)."""
        self.goto()
        self.launcher.click()
        expect(self.input).to_be_enabled()
        if self._sockets != "refused":
            self.wait_for(lambda: self.states_received, what="the chat's authenticated socket")
        return self.site.conversation_of(self.page)

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def expect_bubbles(self, *texts: str) -> None:
        """The log shows exactly these messages (each as "<sender>: <text>"), in order."""
        expect(self.bubbles).to_have_text(list(texts))


def _is_message(frame: str | bytes) -> bool:
    try:
        return json.loads(frame).get("type") == "message"
    except (ValueError, AttributeError):
        return False
