"""A stand-in for Rasa's HTTP API (and the action server's /health) as a real small aiohttp app, and Rasa's
REST-channel answers in the shape the router reads. Shared by the router tests' `rasa` fixture, the crash
tests' child router and the end-to-end sites, so it lives in a plain module rather than in a conftest."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from tests.router.constants import RASA_TOKEN


@dataclass
class FakeRasa:
    """A stand-in for Rasa's HTTP API. `answer` decides the webhook's reply; `mode` can make it fail."""

    # "ok" | "error" (HTTP 500) | "slow" (answers after the router's timeout) | "drop" (connection cut)
    mode: str = "ok"
    answer: Callable[[str, str], Any] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0  # webhook calls without the channel's token (doors/rest_channel.py)
    token: str = RASA_TOKEN  # what Rasa's API and REST channel accept
    resumed: list[str] = field(default_factory=list)
    url: str = ""
    router_url: str = ""
    model_file: str | None = None  # the model GET /status names; None: /status is not offered (404)
    model_loaded: bool = True  # False: /status answers 409, as Rasa does when loading its model failed

    def _refuse_http_api(self, request: web.Request) -> web.Response | None:
        """What Rasa's HTTP API answers before doing anything: 401 without the token, 500 in "error" mode."""
        if request.query.get("token") != self.token:
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.mode == "error":
            return web.Response(status=500, text="boom")
        return None

    def app(self) -> web.Application:
        routes = web.RouteTableDef()

        @routes.get("/")
        async def hello(request: web.Request) -> web.Response:
            return web.Response(text="Hello from Rasa: 3.6.21")

        @routes.get("/status")
        async def status(request: web.Request) -> web.Response:
            if (refused := self._refuse_http_api(request)) is not None:
                return refused
            if self.model_file is None:
                raise web.HTTPNotFound()
            if not self.model_loaded:
                return web.json_response({"message": "No model loaded"}, status=409)
            return web.json_response({"model_file": self.model_file, "model_id": "test", "num_active_training_jobs": 0})

        @routes.get("/health")
        async def actions_health(request: web.Request) -> web.Response:
            return web.json_response({"status": "ok"})

        @routes.post("/webhooks/rest/webhook")
        async def webhook(request: web.Request) -> web.Response:
            if request.headers.get("X-Rasa-Token") != self.token:  # as the locked REST channel does
                self.refused += 1
                return web.json_response({"error": "unauthorized"}, status=401)
            body = await request.json()
            self.received.append(body)
            if self.mode == "error":
                return web.Response(status=500, text="boom")
            if self.mode == "drop":
                request.transport.close()
                return web.Response()
            if self.mode == "slow":
                await asyncio.sleep(3)
            sender, text = body["sender"], body["message"]
            if self.answer is not None:
                result = self.answer(sender, text)
                replies = await result if asyncio.iscoroutine(result) else result
            else:
                replies = [{"recipient_id": sender, "text": f"Du skrev: {text}"}]
            # As the locked REST channel does, the answer ends with the intent (doors/rest_channel.py).
            intent = {"name": "human_handoff" if text == "/human_handoff" else "greet", "confidence": 0.93}
            return web.json_response([*replies, {"recipient_id": sender, "custom": {"intent": intent}}])

        @routes.post("/conversations/{id}/tracker/events")
        async def events(request: web.Request) -> web.Response:
            if (refused := self._refuse_http_api(request)) is not None:
                return refused
            if (await request.json()) == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]:
                self.resumed.append(request.match_info["id"])
            return web.json_response({"events": []})

        app = web.Application()
        app.add_routes(routes)
        return app


def rest_messages(text: str, marker: str | None = None, buttons: list[dict[str, str]] | None = None) -> list[dict]:
    """One response as Rasa's REST channel sends it: the text (with buttons), then, for a response that
    carries `custom: {"answer": marker}` in the domain, that payload as a message of its own."""
    messages: list[dict] = [{"recipient_id": "x", "text": text, **({"buttons": buttons} if buttons else {})}]
    if marker is not None:
        messages.append({"recipient_id": "x", "custom": {"answer": marker}})
    return messages
