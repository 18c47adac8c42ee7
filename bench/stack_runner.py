"""Start what a benchmark needs on free local ports with a temporary database and agent accounts:
the whole system (`start_full_stack`) or the router alone (`RouterOnly`), on SQLite or on PostgreSQL
databases made for the run (`postgres_databases`); and read what a running process group uses
(`process_group_usage`: resident memory and CPU seconds from /proc)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant import paths
from assistant.rasa_env import rasa_environment
import asyncpg
from sqlalchemy.engine import make_url

from bot.services import Ports, Stack
from router.handoff.accounts import create_agent
from router.core.db import create_engine, create_session_maker, migrate

# Monday 30 November 2026, 10:00 in Stockholm: the contact center is open (handoffs are queued).
OPEN_MONDAY = "2026-11-30T10:00:00+01:00"
AGENT_PASSWORD = "bench-password-123"
# One client address sends everything in a benchmark, so the per-address and per-conversation
# limits (120 and 20 a minute by default) are lifted.
HIGH_RATE_LIMITS = {"RATE_LIMIT_ADDRESS": "10000000", "RATE_LIMIT_CONVERSATION": "100000"}
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def bench_workdir(prefix: str, keep: bool) -> Iterator[Path]:
    """A temporary folder for the databases and logs; with `keep` it stays (and is named) afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield workdir
    finally:
        if keep:
            print(f"kept {workdir} (databases and logs)", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def agent_usernames(count: int) -> list[str]:
    return [f"agent{number}" for number in range(1, count + 1)]


async def _create_agents(database_url: str, usernames: list[str]) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    async with create_session_maker(engine)() as session:
        for username in usernames:
            await create_agent(session, username, AGENT_PASSWORD, username.capitalize(), "agent")
    await engine.dispose()


def prepare_database(workdir: Path, agents: int, database_url: str | None = None) -> str:
    """The schema and `agents` agent accounts (see `agent_usernames`) in `database_url`, which must be
    an empty database; without one, a new SQLite file in `workdir`. Returns the URL."""
    database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'router.db'}"
    asyncio.run(_create_agents(database_url, agent_usernames(agents)))
    return database_url


def start_full_stack(
    workdir: Path, model: Path, agents: int, extra_env: dict[str, str], timeout: float = 600.0
) -> Stack:
    """Real Rasa with `model`, the action server and the router; logs in `workdir/logs`. Loading the
    model takes minutes when other work shares the cores, hence the long `timeout`."""
    env = {
        "DATABASE_URL": prepare_database(workdir, agents),
        "RASA_TRACKER_DB": str(workdir / "rasa-tracker.db"),
        **HIGH_RATE_LIMITS,
        **extra_env,
    }
    ports = Ports(router=free_port(), rasa=free_port(), actions=free_port())
    stack = Stack(model=model, ports=ports, router_host="127.0.0.1", extra_env=env, log_dir=workdir / "logs")
    stack.start(timeout)
    return stack


@contextmanager
def postgres_databases(names: list[str], admin_url: str) -> Iterator[dict[str, str]]:
    """Empty PostgreSQL databases for the routers, dropped afterwards; yields name -> URL."""
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(dsn, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    created = []
    try:
        for name in names:
            asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            asyncio.run(run(f'CREATE DATABASE "{name}"'))
            created.append(name)
        yield {name: make_url(admin_url).set(database=name).render_as_string(hide_password=False) for name in names}
    finally:
        for name in created:
            asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class RouterOnly:
    """The router process alone. Rasa and the action server are not started: their URLs point at
    free ports nobody listens on, so anything that would call Rasa fails visibly in the router log
    (`extra_env` can point RASA_URL at a running Rasa). `checkout` runs the router of another checkout
    (e.g. a git worktree of an earlier commit) with the same Python; that router migrates its own
    database at startup, so no agent accounts are created for it. `module` is what `python -m` runs:
    `router`, or a wrapper that runs it (bench/profiled_router.py)."""

    workdir: Path
    agents: int
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    unused_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    checkout: Path = paths.ROOT
    module: str = "router"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"router-{self.port}.log"

    def environment(self) -> dict[str, str]:
        env = rasa_environment()
        env.update(
            {
                "ROUTER_HOST": "127.0.0.1",
                "ROUTER_PORT": str(self.port),
                "RASA_URL": f"http://127.0.0.1:{self.unused_port}",
                "ACTIONS_URL": f"http://127.0.0.1:{self.unused_port}",
                **HIGH_RATE_LIMITS,
                **self.extra_env,
            }
        )
        return env

    def start(self, timeout: float = 60.0) -> None:
        env = self.environment()
        if self.checkout == paths.ROOT:
            env["DATABASE_URL"] = prepare_database(self.workdir, self.agents, self.database_url)
        else:
            env["DATABASE_URL"] = self.database_url or f"sqlite+aiosqlite:///{self.workdir / f'router-{self.port}.db'}"
            env["PYTHONPATH"] = str(self.checkout)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module], cwd=self.checkout, env=env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not answers(f"{self.base_url}/healthz"):
            if self.process.poll() is not None:
                raise SystemExit(f"the router exited with code {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the router did not answer /healthz within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def answers(url: str) -> bool:
    """True when a GET of `url` is answered 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def post_json(url: str, body: dict, headers: dict[str, str] | None = None) -> dict | None:
    """The JSON answer to a POST of `body`, or None when it fails or is not 200/201."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read()) if response.status in (200, 201) else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def assistant_answers(router_url: str, conversation: dict | None) -> tuple[dict | None, bool]:
    """A resident's "hej" through the router at `router_url`, in `conversation` (created when None): the
    conversation, and whether the assistant itself answered (not the router's "assistenten startar" or
    technical-error reply, which come while Rasa is not serving)."""
    if conversation is None:
        conversation = post_json(f"{router_url}/api/conversations", {})
        if conversation is None:
            return None, False
    answer = post_json(f"{router_url}/api/conversations/{conversation['id']}/messages", {"text": "hej"},
                       {"Authorization": f"Bearer {conversation['token']}"})
    replies = (answer or {}).get("replies") or []
    text = replies[0]["text"] if replies else ""
    return conversation, bool(text) and "tekniskt fel" not in text and "startar" not in text


@dataclass(frozen=True)
class Usage:
    rss_mib: float
    cpu_seconds: float
    # Time the group's threads were ready to run but waited for a core (other processes had it).
    run_queue_seconds: float


def process_group_usage(pgid: int) -> Usage:
    """Resident memory, CPU time (user + system) and run-queue wait summed over every process in a
    process group (each service is started in its own session, so this includes any worker it forked)."""
    rss_pages = 0
    ticks = 0
    waited_ns = 0
    found = False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Fields after the command name "(...)": pgrp is field 5, utime 14, stime 15, rss 24.
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid:
                continue
            # schedstat per thread: time on a core, time waiting for one (ns), timeslices.
            threads = [(task / "schedstat").read_text().split() for task in (entry / "task").iterdir()]
        except OSError:  # the process ended while we looked
            continue
        found = True
        ticks += int(fields[11]) + int(fields[12])
        rss_pages += int(fields[21])
        waited_ns += sum(int(thread[1]) for thread in threads)
    if not found:
        raise ProcessLookupError(f"no running process in process group {pgid}")
    return Usage(
        rss_mib=rss_pages * _PAGE_BYTES / 2**20,
        cpu_seconds=ticks / _CLOCK_TICKS,
        run_queue_seconds=waited_ns / 1e9,
    )
