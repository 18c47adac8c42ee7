"""The router's real opening-hours API in a process of its own, for the action tests.

The actions may not import router code and run on another Python (Rasa's), so the tests start
the router's own `router.hours` application — the code `python -m router` serves under
/api/hours — on the router's Python, with the router's clock fixed at a known moment.
"""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from actions.config import PROJECT_ROOT

ROUTER_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
START_TIMEOUT_SECONDS = 30.0

_SERVER = """
import sys
from datetime import datetime
from pathlib import Path

from aiohttp import web

from router.core.clock import Clock
from router.core.keys import CLOCK_KEY
from router.hours import setup_hours

settings_dir, port, now = Path(sys.argv[1]), int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
app = web.Application()
app[CLOCK_KEY] = Clock(start=now)
setup_hours(app, settings_dir)
web.run_app(app, host="127.0.0.1", port=port, print=None)
"""


class HoursRouter:
    """Start with `start()`, stop with `stop()`; `url` is where it answers."""

    def __init__(self, settings_dir: Path, now: str) -> None:
        self._settings_dir = settings_dir
        self._now = now
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        if not ROUTER_PYTHON.exists():
            raise RuntimeError(f"{ROUTER_PYTHON} is missing: build the router's environment (make setup)")
        port = _free_port()
        self._process = subprocess.Popen(
            [str(ROUTER_PYTHON), "-c", _SERVER, str(self._settings_dir), str(port), self._now],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the hours router stopped: {self._process.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/hours", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the hours router did not answer within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stderr.close()
            self._process = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
