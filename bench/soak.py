"""Soak test: many concurrent residents over two router processes sharing PostgreSQL and Redis.

    .venv/bin/python bench/soak.py                          # 1 000 residents, 10 minutes
    .venv/bin/python bench/soak.py --minutes 2 --residents 1000

What runs: two `python -m router` processes (REDIS_URL + a fresh PostgreSQL database, dropped afterwards),
a stand-in for Rasa in a process of its own (a small aiohttp server that answers every message after
`--rasa-delay` seconds), and this process with every resident's WebSocket and the agents' consoles.
The stand-in replaces Rasa on purpose: on this machine one Rasa process answers a few dozen messages a
second, so with the real Rasa the figures would measure Rasa's NLU instead of the router, Redis and
PostgreSQL; Rasa is sized on its own (docs/deploy.md).

Residents connect alternately to router A and B, and each sends a message every `--interval` seconds
(with jitter) over its WebSocket. `--agent-share` of them are handed off at the start and claimed by
`--agents` kommunvägledare logged in on the *other* router; an agent answers every message it sees on
its console WebSocket through the agent API. Latency is from sending a message to receiving the answer
(the bot's or the agent's, matched by text) on the resident's WebSocket. Residents behave like the widget:
when the server closes a socket they reconnect, `sync` from their last message id and send again what was
not acknowledged. At the end the database is compared with what was sent and delivered: loss and
duplicates must be zero (the exit status is 1 otherwise). CPU is read from /proc/<pid>/stat, RSS from
/proc/<pid>/status.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from router.handoff.accounts import create_agent  # noqa: E402
from router.core.db import create_engine, create_session_maker, migrate  # noqa: E402

OPEN_MONDAY = "2026-11-30T10:00:00+01:00"
PASSWORD = "soak-password-123"
INTERNAL_SECRET = "soak-internal-secret"
RASA_TOKEN = "soak-rasa-token"
REPLY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# ----------------------------------------------------------------------------- stand-in Rasa


def run_stand_in_rasa(port: int, delay: float) -> None:
    """Rasa's REST webhook, tracker and status, answering after `delay` seconds."""
    routes = web.RouteTableDef()

    @routes.get("/")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="Hello from the soak test's stand-in for Rasa")

    @routes.get("/health")
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @routes.post("/webhooks/rest/webhook")
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(delay)
        return web.json_response([{"recipient_id": body["sender"], "text": f"Svar: {body['message']}"}])

    @routes.get("/conversations/{id}/tracker")
    async def tracker(request: web.Request) -> web.Response:
        return web.json_response({"latest_message": {"intent": {"name": "greet", "confidence": 0.9}}})

    @routes.post("/conversations/{id}/tracker/events")
    async def events(request: web.Request) -> web.Response:
        return web.json_response({"events": []})

    app = web.Application()
    app.add_routes(routes)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# ----------------------------------------------------------------------------- processes


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(
            self.argv, cwd=ROOT, env={**os.environ, **self.env}, stdout=open(self.log_path, "ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


async def wait_until_answers(url: str, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise SystemExit(f"{process.name} exited; see {process.log_path}")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"{process.name} did not answer at {url}")


# ----------------------------------------------------------------------------- clients


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    sent: int = 0
    answered: int = 0


class Resident:
    """Like the widget: one WebSocket; after the server closes it, reconnect (backoff), `sync` from the last
    message id and send again what was not acknowledged (same client_message_id: stored once)."""

    def __init__(self, http: aiohttp.ClientSession, base: str, stats: Stats) -> None:
        self.http, self.base, self.stats = http, base, stats
        self.id = self.token = ""
        self.with_agent = False
        self.messages: dict[int, dict[str, Any]] = {}
        self.sent_ids: set[str] = set()
        self.unacknowledged: dict[str, str] = {}  # client_message_id -> text, until its echo arrives
        self.waiting: dict[str, float] = {}  # text -> monotonic send time, until its answer arrives
        self.last_id = 0
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.closing = False
        self.reconnects = 0

    async def create(self) -> None:
        async with self.http.post(f"{self.base}/api/conversations") as response:
            if response.status != 201:
                raise RuntimeError(f"create conversation: {response.status}")
            body = await response.json()
        self.id, self.token = body["id"], body["token"]

    async def connect(self) -> None:
        url = f"{self.base.replace('http', 'ws', 1)}/ws/conversations/{self.id}"
        self.socket = await self.http.ws_connect(url, heartbeat=None)
        self.reader = asyncio.create_task(self._read())
        try:
            await self.socket.send_json({"type": "auth", "token": self.token})  # the token is never in the URL
            await self.socket.send_json({"type": "sync", "after_id": self.last_id})
            for client_message_id, text in list(self.unacknowledged.items()):
                await self.socket.send_json({"type": "message", "text": text, "client_message_id": client_message_id})
        except ConnectionResetError:
            pass  # closed right away: the reader reconnects

    async def _read(self) -> None:
        async for frame in self.socket:
            if frame.type == aiohttp.WSMsgType.TEXT:
                self._receive(json.loads(frame.data))
        if self.closing:
            return
        self.stats.errors[f"ws_closed_by_server:{self.socket.close_code}"] += 1
        delay = 0.2
        while not self.closing:
            await asyncio.sleep(delay)
            try:
                await self.connect()
                self.reconnects += 1
                return  # the new reader task takes over
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
                self.stats.errors["reconnect_failed"] += 1
                delay = min(delay * 2, 5.0)

    def _receive(self, data: dict[str, Any]) -> None:
        if data.get("type") == "error":
            self.stats.errors[f"ws_error:{data.get('error')}"] += 1
        if data.get("type") != "message":
            return
        self.messages[data["id"]] = data
        self.last_id = max(self.last_id, data["id"])
        self.unacknowledged.pop(data.get("client_message_id", ""), None)
        for prefix in ("Svar: ", "Kommunvägledaren svarar: "):
            if data["from"] in ("bot", "agent") and data["text"].startswith(prefix):
                sent_at = self.waiting.pop(data["text"][len(prefix):], None)
                if sent_at is not None:
                    self.stats.latencies.append(time.monotonic() - sent_at)
                    self.stats.answered += 1

    async def say(self, text: str) -> None:
        client_message_id = uuid.uuid4().hex
        self.sent_ids.add(client_message_id)
        self.unacknowledged[client_message_id] = text
        self.waiting[text] = time.monotonic()
        self.stats.sent += 1
        try:
            await self.socket.send_json({"type": "message", "text": text, "client_message_id": client_message_id})
        except (ConnectionResetError, RuntimeError):
            pass  # sent again after the reconnect

    def late(self) -> int:
        """Messages still without an answer after REPLY_TIMEOUT (counted once, at the end)."""
        now = time.monotonic()
        return sum(1 for sent_at in self.waiting.values() if now - sent_at > REPLY_TIMEOUT)

    async def close(self) -> None:
        self.closing = True
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


class Agent:
    def __init__(self, base: str, username: str, stats: Stats) -> None:
        self.base, self.username, self.stats = base, username, stats
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.cases: dict[str, int] = {}  # conversation id -> case id
        self.answered = 0
        self.console: asyncio.Task | None = None
        self.replies: set[asyncio.Task] = set()

    async def login(self) -> None:
        async with self.http.get(f"{self.base}/agent/login") as response:
            form = re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)
        async with self.http.post(
            f"{self.base}/agent/login", data={"username": self.username, "password": PASSWORD, "csrf_token": form},
            allow_redirects=False,
        ) as response:
            if response.status != 303:
                raise RuntimeError(f"login {self.username}: {response.status}")
        async with self.http.get(f"{self.base}/api/agent/me") as response:
            self.csrf = (await response.json())["csrf_token"]
        await self.post("/api/agent/presence", {"online": True})

    async def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            async with self.http.post(
                f"{self.base}{path}", json=body, headers={"X-CSRF-Token": self.csrf}
            ) as response:
                if response.status not in (200, 201):
                    self.stats.errors[f"agent_api:{response.status}"] += 1
                    return {}
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            self.stats.errors[f"agent_api:{type(error).__name__}"] += 1
            return {}

    async def claim(self, conversation_id: str, case_id: int) -> None:
        await self.post(f"/api/agent/cases/{case_id}/claim")
        self.cases[conversation_id] = case_id

    def open_console(self) -> None:
        self.console = asyncio.create_task(self._console())

    async def _console(self) -> None:
        socket = await self.http.ws_connect(f"{self.base.replace('http', 'ws', 1)}/ws/agent", heartbeat=None)
        async for frame in socket:
            data = json.loads(frame.data)
            if data.get("type") != "message" or data["message"]["from"] != "resident":
                continue
            case_id = self.cases.get(data["conversation_id"])
            if case_id is not None:
                task = asyncio.create_task(self._answer(case_id, data["message"]["text"]))
                self.replies.add(task)
                task.add_done_callback(self.replies.discard)

    async def _answer(self, case_id: int, text: str) -> None:
        if await self.post(f"/api/agent/cases/{case_id}/messages", {"text": f"Kommunvägledaren svarar: {text}"}):
            self.answered += 1

    async def close(self) -> None:
        if self.console is not None:
            self.console.cancel()
            await asyncio.gather(self.console, return_exceptions=True)
        await self.http.close()


# ----------------------------------------------------------------------------- the run


async def create_database(admin_url: str) -> str:
    admin = await asyncpg.connect(admin_url, timeout=5)
    name = f"soak_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return name


async def drop_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(admin_url, timeout=5)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def prepare_accounts(database_url: str, agents: int) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    async with create_session_maker(engine)() as session:
        for n in range(agents):
            await create_agent(session, f"agent{n}", PASSWORD, f"Agent {n}", "agent")
    await engine.dispose()


async def handoff(http: aiohttp.ClientSession, base: str, conversation_id: str) -> str:
    async with http.post(
        f"{base}/internal/handoff", json={"conversation_id": conversation_id, "reason": "requested", "topic": None},
        headers={"X-Internal-Secret": INTERNAL_SECRET},
    ) as response:
        body = await response.json()
    if body.get("outcome") != "queued":
        raise RuntimeError(f"handoff: {body}")
    return body["reference"]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logs = Path(args.log_dir)
    logs.mkdir(parents=True, exist_ok=True)
    database = await create_database(args.postgres_admin)
    admin_url = make_url(args.postgres_admin)
    database_url = admin_url.set(drivername="postgresql+asyncpg", database=database).render_as_string(False)
    database_dsn = admin_url.set(database=database).render_as_string(False)
    prefix = f"soak-{uuid.uuid4().hex[:8]}:"
    redis_url = f"{args.redis}{'&' if '?' in args.redis else '?'}key_prefix={prefix}"
    await prepare_accounts(database_url, args.agents)

    rasa_port = free_port()
    rasa = Process("stand-in-rasa", [sys.executable, __file__, "--stand-in-rasa", str(rasa_port),
                                     "--rasa-delay", str(args.rasa_delay)], {}, logs / "rasa.log")
    env = {
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTIONS_URL": f"http://127.0.0.1:{rasa_port}", "RASA_TOKEN": RASA_TOKEN, "INTERNAL_SECRET": INTERNAL_SECRET,
        "ROUTER_FIXED_NOW": OPEN_MONDAY, "RATE_LIMIT_ADDRESS": "100000000", "RATE_LIMIT_CONVERSATION": "1000",
        "ROUTER_HOST": "127.0.0.1",
    }
    routers = []
    for name in ("router-a", "router-b"):
        port = free_port()
        routers.append((Process(name, [sys.executable, "-m", "router"], {**env, "ROUTER_PORT": str(port)},
                                logs / f"{name}.log"), f"http://127.0.0.1:{port}"))
    processes = [rasa] + [process for process, _ in routers]
    stats = Stats()
    residents: list[Resident] = []
    agents: list[Agent] = []
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    report: dict[str, Any] = {}
    try:
        for process in processes:
            process.start()
        await wait_until_answers(f"http://127.0.0.1:{rasa_port}/health", rasa)
        for process, base in routers:
            await wait_until_answers(f"{base}/healthz", process)
        rss_start = {p.name: round(rss_mib(p.popen.pid), 1) for p in processes}
        rss_start["soak-client"] = round(rss_mib(os.getpid()), 1)

        bases = [base for _, base in routers]
        print(f"connecting {args.residents} residents to {bases} …", flush=True)
        started = time.monotonic()
        residents = [Resident(http, bases[n % 2], stats) for n in range(args.residents)]
        batch = 50
        for start in range(0, len(residents), batch):
            group = residents[start:start + batch]
            await asyncio.gather(*(r.create() for r in group))
            await asyncio.gather(*(r.connect() for r in group))
        connect_seconds = time.monotonic() - started

        with_agents = residents[: int(args.residents * args.agent_share)]
        agents = [Agent(bases[(n + 1) % 2], f"agent{n}", stats) for n in range(args.agents)]
        for agent in agents:
            await agent.login()
            agent.open_console()
        for n, resident in enumerate(with_agents):
            reference = await handoff(http, resident.base, resident.id)
            agent = agents[n % len(agents)]
            async with agent.http.get(f"{agent.base}/api/agent/queue") as response:
                queue = (await response.json())["queue"]
            case_id = next(c["id"] for c in queue if c["reference"] == reference)
            await agent.claim(resident.id, case_id)
            resident.with_agent = True
        print(f"{len(residents)} residents connected in {connect_seconds:.1f} s; {len(with_agents)} with "
              f"{len(agents)} agents; chatting for {args.minutes} min", flush=True)

        deadline = time.monotonic() + args.minutes * 60
        cpu_start = {p.name: cpu_seconds(p.popen.pid) for p in processes}
        cpu_start["soak-client"] = cpu_seconds(os.getpid())

        async def chat(resident: Resident) -> None:
            await asyncio.sleep(random.uniform(0, args.interval))
            n = 0
            while time.monotonic() < deadline:
                await resident.say(f"Meddelande {n} från {resident.id[:6]}")
                n += 1
                await asyncio.sleep(args.interval * random.uniform(0.7, 1.3))

        async def progress() -> None:
            while time.monotonic() < deadline:
                await asyncio.sleep(30)
                tail = stats.latencies[-2000:]
                print(f"  sent {stats.sent}, answered {stats.answered}, p95 {percentile(tail, 0.95) * 1000:.0f} ms, "
                      f"errors {sum(stats.errors.values())}", flush=True)

        await asyncio.gather(progress(), *(chat(r) for r in residents))
        # let the last answers arrive
        settle = time.monotonic() + REPLY_TIMEOUT
        while any(r.waiting or r.unacknowledged for r in residents) and time.monotonic() < settle:
            await asyncio.sleep(0.5)
        late = sum(r.late() for r in residents)
        if late:
            stats.errors["no_answer_within_30s"] += late
        chat_seconds = args.minutes * 60

        cpu_share = {
            name: round((cpu_seconds(pid) - cpu_start[name]) / (time.monotonic() - deadline + chat_seconds), 2)
            for name, pid in [(p.name, p.popen.pid) for p in processes] + [("soak-client", os.getpid())]
        }
        rss_end = {p.name: round(rss_mib(p.popen.pid), 1) for p in processes}
        rss_end["soak-client"] = round(rss_mib(os.getpid()), 1)
        for agent in agents:
            await agent.close()
        await asyncio.gather(*(r.close() for r in residents))

        # what the database holds against what was sent and delivered
        connection = await asyncpg.connect(database_dsn, timeout=10)
        rows = await connection.fetch("SELECT id, conversation_id, sender, client_message_id FROM messages")
        await connection.close()
        stored_by_conversation: dict[str, list] = {}
        for row in rows:
            stored_by_conversation.setdefault(row["conversation_id"], []).append(row)
        lost_sent = lost_delivered = duplicated = 0
        for resident in residents:
            stored = stored_by_conversation.get(resident.id, [])
            stored_client_ids = [r["client_message_id"] for r in stored if r["client_message_id"]]
            duplicated += len(stored_client_ids) - len(set(stored_client_ids))
            lost_sent += len(resident.sent_ids - set(stored_client_ids))
            lost_delivered += len({r["id"] for r in stored} - set(resident.messages))
        senders = Counter(row["sender"] for row in rows)
        report = {
            "residents": args.residents,
            "agents": args.agents,
            "residents_with_agents": len(with_agents),
            "minutes": args.minutes,
            "interval_seconds": args.interval,
            "stand_in_rasa_delay_seconds": args.rasa_delay,
            "connect_seconds": round(connect_seconds, 1),
            "messages_sent_by_residents": stats.sent,
            "answers_received": stats.answered,
            "messages_per_second": round(stats.sent / chat_seconds, 1),
            "stored": dict(senders),
            "agent_answers_sent": sum(a.answered for a in agents),
            "lost_not_stored": lost_sent,
            "lost_not_delivered": lost_delivered,
            "stored_twice": duplicated,
            "errors": dict(stats.errors),
            "resident_reconnects": sum(r.reconnects for r in residents),
            "latency_ms": {
                "p50": round(percentile(stats.latencies, 0.50) * 1000, 1),
                "p95": round(percentile(stats.latencies, 0.95) * 1000, 1),
                "p99": round(percentile(stats.latencies, 0.99) * 1000, 1),
                "mean": round(statistics.fmean(stats.latencies) * 1000, 1) if stats.latencies else None,
            },
            "cpu_cores_used_while_chatting": cpu_share,
            "rss_mib_start": rss_start,
            "rss_mib_end": rss_end,
        }
        return report
    finally:
        await http.close()
        for process in reversed(processes):
            process.stop()
        await drop_database(args.postgres_admin, database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long residents chat (default 10)")
    parser.add_argument("--residents", type=int, default=1000, help="concurrent resident WebSockets (default 1000)")
    parser.add_argument("--agents", type=int, default=10, help="kommunvägledare answering (default 10)")
    parser.add_argument("--agent-share", type=float, default=0.1, help="share of residents with an agent (0.1)")
    parser.add_argument("--interval", type=float, default=20.0, help="seconds between a resident's messages (20)")
    parser.add_argument("--rasa-delay", type=float, default=0.05, help="stand-in Rasa's answer time (0.05 s)")
    parser.add_argument("--postgres-admin", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL URL allowed to CREATE DATABASE (a fresh one is made and dropped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis (a fresh key prefix is used)")
    parser.add_argument("--log-dir", default=str(ROOT / "var" / "soak"), help="process logs")
    parser.add_argument("--json", help="also write the report to this file")
    parser.add_argument("--stand-in-rasa", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stand_in_rasa:
        run_stand_in_rasa(args.stand_in_rasa, args.rasa_delay)
        return 0
    if args.residents < 2 or args.minutes <= 0 or args.agents < 1 or not 0 <= args.agent_share <= 1:
        parser.error("need at least 2 residents, 1 agent, minutes > 0 and 0 <= agent-share <= 1")
    report = asyncio.run(run(args))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    loss = report["lost_not_stored"] + report["lost_not_delivered"] + report["stored_twice"]
    return 0 if loss == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
