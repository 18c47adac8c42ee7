"""A router app (and its stand-ins) served on free 127.0.0.1 ports from an event loop in its own thread,
for the browser tests: Playwright's sync API owns the test's thread, so the servers cannot run on it."""
from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web


class ThreadedSite:
    """Subclasses start their apps in `_start` (with `_serve`) and stop them in `_stop` (ending with
    `_cleanup`); tests reach the servers' state through `call`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._runners: list[web.AppRunner] = []
        self.url = ""

    def start(self) -> None:
        self._thread.start()
        self.call(self._start(), timeout=60)

    def stop(self) -> None:
        try:
            self.call(self._stop(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()

    def call(self, coroutine: Any, timeout: float = 10) -> Any:
        """Run a coroutine on the servers' loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _serve(self, app: web.Application, port: int = 0) -> str:
        """Serve `app` on `port` (0: a free one); a restarted app is served on its old port again."""
        return f"http://127.0.0.1:{(await self._serve_runner(app, port)).addresses[0][1]}"

    async def _serve_runner(self, app: web.Application, port: int = 0) -> web.AppRunner:
        runner = web.AppRunner(app)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    async def _cleanup(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()

    async def _start(self) -> None:
        raise NotImplementedError

    async def _stop(self) -> None:
        await self._cleanup()
