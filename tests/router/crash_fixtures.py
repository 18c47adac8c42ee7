"""Fixture module: `python -m router` as a child process, as it runs in production, for the tests that kill
it with SIGKILL in the middle of a burst and then read what its database kept (test_crash_durability*.py).
A router in the test's own process could not be killed that way: nothing of a shutdown may run."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest_asyncio

from assistant import paths
from tests.router.constants import INTERNAL_SECRET, RASA_TOKEN
from tests.router.fake_rasa import FakeRasa


@dataclass
class RouterChild:
    process: subprocess.Popen
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing pending is committed on the way out."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


StartRouter = Callable[..., Awaitable[RouterChild]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest_asyncio.fixture
async def router_child(rasa: FakeRasa, tmp_path: Path) -> AsyncIterator[StartRouter]:
    """`await router_child(database_url, **env)` starts a router on `database_url` with the fake Rasa
    (and the test's internal secret) and returns once it answers /healthz. Rate limits are out of the way
    of a burst. Whatever is still running at the end of the test is killed."""
    children: list[RouterChild] = []

    async def start(database_url: str, **extra_env: str) -> RouterChild:
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ROUTER_HOST": "127.0.0.1",
            "ROUTER_PORT": str(port),
            "RASA_URL": rasa.url,
            "ACTIONS_URL": rasa.url,
            "RASA_TOKEN": RASA_TOKEN,
            "INTERNAL_SECRET": INTERNAL_SECRET,
            "REDIS_URL": "",
            "RATE_LIMIT_ADDRESS": "1000000",
            "RATE_LIMIT_CONVERSATION": "100000",
            **extra_env,
        }
        log = tmp_path / f"router-{len(children)}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "router"], cwd=paths.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        child = RouterChild(process, f"http://127.0.0.1:{port}", log)
        children.append(child)
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                if process.poll() is not None:
                    raise AssertionError(f"the router exited with {process.returncode}: {log.read_text()}")
                try:
                    async with http.get(f"{child.url}/healthz"):
                        return child
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        raise AssertionError(f"the router did not start: {log.read_text()}")

    yield start
    for child in children:
        if child.process.poll() is None:
            child.kill()
