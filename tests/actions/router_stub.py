"""A real aiohttp server on 127.0.0.1 that stands in for the router in action tests.

Each test says what the stub answers for a method and path (status, JSON or raw text,
an optional delay). Like the real router, `/internal/*` requires the `X-Internal-Secret`
header. Every request is recorded so tests can check what the actions sent.
"""
from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass
from typing import Any

from aiohttp import web

SECRET = "test-internal-secret"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    delay: float


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    secret: str | None
    body: Any


class RouterStub:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.requests: list[RecordedRequest] = []
        self._replies: dict[tuple[str, str], Reply] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def reply(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        text: str | None = None,
        delay: float = 0.0,
    ) -> None:
        body = text if text is not None else json.dumps(json_body)
        self._replies[(method, path)] = Reply(status=status, body=body, delay=delay)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.text()
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                secret=request.headers.get("X-Internal-Secret"),
                body=json.loads(raw) if raw else None,
            )
        )
        if request.path.startswith("/internal/") and request.headers.get("X-Internal-Secret") != self.secret:
            return web.json_response({"error": "unauthorized"}, status=401)
        reply = self._replies.get((request.method, request.path))
        if reply is None:
            return web.json_response({"error": "not found"}, status=404)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(status=reply.status, text=reply.body, content_type="application/json")


def closed_port_url() -> str:
    """The URL of a local port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
