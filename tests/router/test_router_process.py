"""`python -m router` as it runs in production, started with the loosest umask a shell could give it:
what it creates is private, and its access log carries paths, never query strings."""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code  # it answers (e.g. /healthz 503 while Rasa is absent)


@dataclass
class RouterProcess:
    url: str
    database: Path
    log: Path


@pytest.fixture(scope="module")
def router_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RouterProcess]:
    folder = tmp_path_factory.mktemp("router-process")
    database = folder / "data" / "router.db"
    log = folder / "router.log"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "ROUTER_HOST": "127.0.0.1",
        "ROUTER_PORT": str(port),
        "RASA_URL": f"http://127.0.0.1:{_free_port()}",
        "RASA_TOKEN": "router-process-test",
        "INTERNAL_SECRET": "router-process-test",
        "REDIS_URL": "",
    }
    previous = os.umask(0)  # the child inherits it: only the router's own umask makes its files private
    try:
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "router"], cwd=paths.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
    finally:
        os.umask(previous)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the router exited with {process.returncode}: {log.read_text()}")
            try:
                _get(url + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield RouterProcess(url, database, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_its_database_is_private(router_process: RouterProcess) -> None:
    folder = router_process.database.parent
    files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()}
    assert router_process.database.name in files
    assert files == {name: 0o600 for name in files}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_its_access_log_has_paths_but_no_query_strings(router_process: RouterProcess) -> None:
    assert _get(router_process.url + "/api/hours?token=secret-in-the-url&q=Anna") == 200

    deadline = time.monotonic() + 10
    while "/api/hours" not in router_process.log.read_text():
        assert time.monotonic() < deadline, "no access log line for the request"
        time.sleep(0.1)
    log = router_process.log.read_text()
    line = next(line for line in log.splitlines() if "/api/hours" in line)
    assert '"GET /api/hours" 200' in line
    assert "secret-in-the-url" not in log and "Anna" not in log
