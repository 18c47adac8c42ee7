"""Resident <-> agent relay latency through the router with many chats at once.

Starts the router alone (Rasa and the action server are not started: nothing on the relay path
calls them) on a free port with a temporary SQLite database and A agent accounts. Then:
  1. the agents log in (CSRF form), open their console WebSocket (/ws/agent) and go online;
  2. C conversations are created, handed off through `/internal/handoff` (X-Internal-Secret) and
     claimed round-robin by the agents through the console API; each resident opens its WebSocket;
  3. every conversation runs R rounds at once: the resident sends a message frame on its WebSocket,
     timed until the claiming agent's console WebSocket delivers it; then the agent answers with
     `POST /api/agent/cases/{id}/messages`, timed until the resident's WebSocket delivers it; then
     the resident pauses a random 0..2T seconds (mean T) like a person typing.
The clock is the client's (one process, monotonic), so both directions include the client reading
its sockets; the client's own event-loop lag is reported next to the figures.

    .venv/bin/python bench/relay_latency.py [--conversations 500] [--agents 5] [--rounds 10] [--think 20]

The offered load is about C x 2 / (T + the two latencies) relayed messages/s in the middle of the run: the defaults (500
conversations, T = 20 s) offer issue 17's 50 messages/s; the achieved rate is printed. At the end the
router's own timers are read (`GET /internal/timings`): per stage of the relay, the SQLite writer's
wait and hold, the delivery of published frames to the sockets and the router's event-loop lag.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.latency_stats import LoopLag, Summary  # noqa: E402
from bench.stack_runner import (  # noqa: E402
    AGENT_PASSWORD,
    OPEN_MONDAY,
    RouterOnly,
    Usage,
    agent_usernames,
    bench_workdir,
    process_group_usage,
)
from bot.setup_env import setup  # noqa: E402

SETUP_CONCURRENCY = 25


@dataclass
class Pending:
    """Messages on their way: text -> (who must receive it, future resolved with the arrival time)."""

    waiting: dict[str, tuple[object, asyncio.Future[float]]] = field(default_factory=dict)

    def expect(self, text: str, receiver: object) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[text] = (receiver, future)
        return future

    def arrived(self, text: str, receiver: object) -> None:
        entry = self.waiting.get(text)
        if entry is not None and entry[0] is receiver and not entry[1].done():
            del self.waiting[text]
            entry[1].set_result(time.perf_counter())


@dataclass
class Results:
    to_agent_ms: list[float] = field(default_factory=list)
    to_resident_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    last_arrived: float = 0.0

    def relayed(self, sent: float, arrived: float, into: list[float]) -> None:
        into.append((arrived - sent) * 1000)
        self.sent_at.append(sent)
        self.last_arrived = max(self.last_arrived, arrived)

    def rates(self) -> tuple[float, float]:
        """Relayed messages per second from the first message sent to the last one delivered, and in the
        middle half of that time (the conversations start and end at random moments: the load ramps up
        and down at both ends; the middle is the load the figures are about)."""
        if not self.sent_at:
            return 0.0, 0.0
        first = min(self.sent_at)
        span = self.last_arrived - first
        middle = sum(1 for sent in self.sent_at if first + span / 4 <= sent < first + 3 * span / 4)
        return len(self.sent_at) / span, middle / (span / 2)


# The router's timers printed after the run (router/core/timings.py), in the order a message meets them.
RELAY_STAGES = (
    ("store_message", "resident frame: message stored (committed)"),
    ("publish", "resident frame: published"),
    ("relay_authenticate", "agent POST: login session checked"),
    ("relay_store", "agent POST: message stored (committed)"),
    ("relay_publish", "agent POST: published"),
    ("writer_wait", "SQLite writer: waiting for the turn"),
    ("writer_hold", "SQLite writer: turn to commit"),
    ("deliver", "publish -> socket sent (each socket)"),
    ("loop_lag", "router event-loop lag (50 ms sleeps)"),
)


class AgentConsole:
    """One logged-in kommunvägledare: the session cookie, the CSRF token and the console socket."""

    def __init__(self, base: str, username: str, pending: Pending, results: Results) -> None:
        self.base = base
        self.username = username
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), connector=aiohttp.TCPConnector(limit=0)
        )
        self.csrf: dict[str, str] = {}
        self.pending = pending
        self.results = results
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.closing = False

    async def log_in(self) -> None:
        async with self.http.get(f"{self.base}/agent/login") as response:
            match = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())
        if match is None:
            raise SystemExit("the login page has no csrf_token field")
        form = {"username": self.username, "password": AGENT_PASSWORD, "csrf_token": match.group(1)}
        async with self.http.post(f"{self.base}/agent/login", data=form, allow_redirects=False) as response:
            if response.status != 303:
                raise SystemExit(f"login of {self.username} answered {response.status}")
        async with self.http.get(f"{self.base}/api/agent/me") as response:
            self.csrf = {"X-CSRF-Token": (await response.json())["csrf_token"]}
        self.socket = await self.http.ws_connect(f"{self.base}/ws/agent", max_msg_size=0)
        self.reader = asyncio.create_task(self._read(), name=f"console-{self.username}")
        await self.post("/api/agent/presence", {"online": True})

    async def post(self, path: str, payload: dict | None = None) -> dict:
        async with self.http.post(f"{self.base}{path}", json=payload, headers=self.csrf) as response:
            body = await response.json(content_type=None)
            if response.status not in (200, 201):
                raise RuntimeError(f"{path} answered {response.status}: {body}")
            return body

    async def get(self, path: str) -> dict:
        async with self.http.get(f"{self.base}{path}") as response:
            response.raise_for_status()
            return await response.json()

    async def _read(self) -> None:
        async for frame in self.socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            data = frame.json()
            if data.get("type") == "message" and data["message"]["from"] == "resident":
                self.pending.arrived(data["message"]["text"], self)
        if not self.closing:
            self.results.errors.append(
                f"console socket of {self.username} closed by the server: {self.socket.close_code}"
            )

    async def close(self) -> None:
        self.closing = True
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
        await self.http.close()


class Resident:
    """One conversation in agent state, seen from the resident's WebSocket."""

    def __init__(self, number: int, conversation: str, token: str, case_id: int, agent: AgentConsole) -> None:
        self.number = number
        self.conversation = conversation
        self.token = token
        self.case_id = case_id
        self.agent = agent
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.first_state: asyncio.Future[str] | None = None
        self.closing = False

    async def connect(self, http: aiohttp.ClientSession, base: str, pending: Pending, results: Results) -> None:
        self.first_state = asyncio.get_running_loop().create_future()
        self.socket = await http.ws_connect(f"{base}/ws/conversations/{self.conversation}")
        await self.socket.send_json({"type": "auth", "token": self.token})  # the token is never in the URL
        self.reader = asyncio.create_task(self._read(pending, results), name=f"resident-{self.number}")
        state = await asyncio.wait_for(self.first_state, 30)
        if state != "agent":
            raise SystemExit(f"conversation {self.conversation} is in state {state}, not agent")

    async def _read(self, pending: Pending, results: Results) -> None:
        async for frame in self.socket:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            data = frame.json()
            kind = data.get("type")
            if kind == "state" and not self.first_state.done():
                self.first_state.set_result(data["state"])
            elif kind == "message" and data.get("from") == "agent":
                pending.arrived(data["text"], self)
            elif kind == "error":
                results.errors.append(f"resident {self.number} got an error frame: {data}")
        if not self.closing:
            results.errors.append(f"resident socket {self.number} closed by the server: {self.socket.close_code}")

    async def converse(self, rounds: int, think: float, pending: Pending, results: Results, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, 2 * think))  # people do not all start typing at once
        for round_number in range(rounds):
            try:
                text = f"Invånare {self.number}, meddelande {round_number + 1}: hej, jag undrar en sak om klottret."
                arrival = pending.expect(text, self.agent)
                sent = time.perf_counter()
                await self.socket.send_json({"type": "message", "text": text, "client_message_id": uuid.uuid4().hex})
                results.relayed(sent, await asyncio.wait_for(arrival, 30), results.to_agent_ms)

                reply = f"Svar {round_number + 1} till invånare {self.number}: tack, jag kollar upp det åt dig."
                arrival = pending.expect(reply, self)
                sent = time.perf_counter()
                await self.agent.post(f"/api/agent/cases/{self.case_id}/messages", {"text": reply})
                results.relayed(sent, await asyncio.wait_for(arrival, 30), results.to_resident_ms)
            except (RuntimeError, aiohttp.ClientError, asyncio.TimeoutError) as error:
                results.errors.append(f"resident {self.number} round {round_number + 1}: {error!r}")
            if round_number + 1 < rounds:
                await asyncio.sleep(rng.uniform(0, 2 * think))

    async def close(self) -> None:
        self.closing = True
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def _bounded(limit: asyncio.Semaphore, coroutine):
    async with limit:
        return await coroutine


async def _open_conversation(http: aiohttp.ClientSession, base: str, secret: str) -> tuple[str, str]:
    """A new conversation handed off to the queue, as the action server would do it."""
    async with http.post(f"{base}/api/conversations") as response:
        if response.status != 201:
            raise SystemExit(f"POST /api/conversations answered {response.status}: {await response.text()}")
        created = await response.json()
    async with http.post(
        f"{base}/internal/handoff",
        json={"conversation_id": created["id"], "reason": "requested", "topic": None},
        headers={"X-Internal-Secret": secret},
    ) as response:
        outcome = (await response.json(content_type=None)).get("outcome")
        if response.status != 200 or outcome != "queued":
            raise SystemExit(f"/internal/handoff answered {response.status} with outcome {outcome!r}")
    return created["id"], created["token"]


async def measure(args: argparse.Namespace, router: RouterOnly) -> int:
    base, secret = router.base_url, router.environment()["INTERNAL_SECRET"]
    if not secret:
        raise SystemExit("INTERNAL_SECRET is empty: run `python -m bot setup` to write .env")
    pgid = router.process.pid
    usage: dict[str, Usage] = {"start": process_group_usage(pgid)}
    pending, results = Pending(), Results()
    consoles = [AgentConsole(base, username, pending, results) for username in agent_usernames(args.agents)]
    residents: list[Resident] = []
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)
    # No pool limit: every resident socket holds a connection; setup requests are bounded by `limit`.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        try:
            await asyncio.gather(*(console.log_in() for console in consoles))
            setup_started = time.perf_counter()
            opened = await asyncio.gather(
                *(_bounded(limit, _open_conversation(http, base, secret)) for _ in range(args.conversations))
            )
            queue = await consoles[0].get("/api/agent/queue")
            case_of = {case["conversation_id"]: case["id"] for case in queue["queue"]}
            for number, (conversation, token) in enumerate(opened, start=1):
                console = consoles[(number - 1) % len(consoles)]
                residents.append(Resident(number, conversation, token, case_of[conversation], console))
            await asyncio.gather(
                *(_bounded(limit, r.agent.post(f"/api/agent/cases/{r.case_id}/claim")) for r in residents)
            )
            await asyncio.gather(
                *(_bounded(limit, r.connect(http, base, pending, results)) for r in residents)
            )
            setup_seconds = time.perf_counter() - setup_started
            usage["connected"] = process_group_usage(pgid)

            await _timings(http, base, secret, clear=True)
            lag = LoopLag()
            lag.start()
            started = time.perf_counter()
            seed = random.Random(args.seed)
            await asyncio.gather(
                *(r.converse(args.rounds, args.think, pending, results, random.Random(seed.random())) for r in residents)
            )
            wall = time.perf_counter() - started
            await lag.stop()
            usage["end"] = process_group_usage(pgid)
            stages = await _timings(http, base, secret)
        finally:
            await asyncio.gather(*(resident.close() for resident in residents))
            await asyncio.gather(*(console.close() for console in consoles))

    _report(args, results, wall, setup_seconds, usage, lag, stages)
    return 1 if results.errors else 0


async def _timings(http: aiohttp.ClientSession, base: str, secret: str, clear: bool = False) -> dict[str, list[float]]:
    """The router's recent stage durations in ms (DELETE forgets them first: the measured phase alone)."""
    method = http.delete if clear else http.get
    async with method(f"{base}/internal/timings", headers={"X-Internal-Secret": secret}) as response:
        if response.status == 404:  # an older router without the timers
            return {}
        response.raise_for_status()
        return {} if clear else await response.json()


def _report(
    args, results: Results, wall: float, setup_seconds: float, usage: dict[str, Usage], lag: LoopLag,
    stages: dict[str, list[float]],
) -> None:
    print()
    print(
        f"== Relay: {args.conversations} conversations with {args.agents} agents, {args.rounds} rounds each, "
        f"mean pause {args.think:g} s =="
    )
    database = args.database_url.split("://")[0] if args.database_url else "a new SQLite file"
    print(f"router database: {database}; router only (Rasa and the action server not started)")
    print(f"setup (create, hand off, claim, connect {args.conversations}): {setup_seconds:.1f} s")
    if results.errors:
        print(f"ERRORS ({len(results.errors)}):")
        for error in results.errors[:20]:
            print(f"  {error}")
    messages = len(results.to_agent_ms) + len(results.to_resident_ms)
    offered = 2 * args.conversations / args.think if args.think else float("inf")
    overall, middle = results.rates()
    print(
        f"measured {wall:.1f} s; achieved {middle:.1f} relayed messages/s in the middle half "
        f"({overall:.1f}/s from the first sent to the last delivered; both directions; offered about "
        f"{offered:.0f}/s less the latencies)"
    )
    for name, samples in (("resident -> agent", results.to_agent_ms), ("agent -> resident", results.to_resident_ms)):
        if samples:
            print(f"{name:<18} {Summary.of(samples).line()}")
    both = results.to_agent_ms + results.to_resident_ms
    if both:
        p99 = Summary.of(both).p99
        print(f"target (p99 under 50 ms, both directions together): {'met' if p99 < 50 else 'NOT met'} ({p99:.1f} ms)")
    cpu = usage["end"].cpu_seconds - usage["connected"].cpu_seconds
    waited = usage["end"].run_queue_seconds - usage["connected"].run_queue_seconds
    print(
        f"router RSS: start {usage['start'].rss_mib:.1f} MiB, all connected {usage['connected'].rss_mib:.1f} MiB, "
        f"end {usage['end'].rss_mib:.1f} MiB"
    )
    print(
        f"router CPU {cpu:.1f} s in {wall:.1f} s ({100 * cpu / wall:.0f} % of one core, "
        f"{1000 * cpu / max(messages, 1):.1f} ms per relayed message); ready but waiting for a core "
        f"(busy machine) {waited:.1f} s"
    )
    print(f"client event-loop lag: {Summary.of(lag.samples).line()}" if lag.samples else "client event-loop lag: none")
    if stages:
        print("router's own timers during the measured phase (ms):")
        for name, meaning in RELAY_STAGES:
            if stages.get(name):
                print(f"  {name:<19} {Summary.of(stages[name]).line()}  {meaning}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=500, help="concurrent conversations (default 500)")
    parser.add_argument("--agents", type=int, default=5, help="agents sharing the chats (default 5)")
    parser.add_argument("--rounds", type=int, default=10, help="resident message + agent answer per chat (default 10)")
    parser.add_argument(
        "--think", type=float, default=20.0,
        help="mean pause between rounds in seconds (default 20: 500 conversations offer about 50 messages/s)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for the pauses")
    parser.add_argument(
        "--database-url",
        help="an empty database for the router, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/bench_relay "
        "(default: a new SQLite file)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, router log)")
    args = parser.parse_args()
    if args.conversations < 1 or args.agents < 1 or args.rounds < 1:
        parser.error("--conversations, --agents and --rounds must be at least 1")
    if args.think < 0:
        parser.error("--think must not be negative")
    setup()
    with bench_workdir("bench-relay-", args.keep) as workdir:
        router = RouterOnly(
            workdir, agents=args.agents, database_url=args.database_url, extra_env={"ROUTER_FIXED_NOW": OPEN_MONDAY}
        )
        router.start()
        try:
            return asyncio.run(measure(args, router))
        except BaseException:
            print(f"--- router log (last 3000 characters) ---\n{router.log_path.read_text(errors='replace')[-3000:]}",
                  file=sys.stderr)
            raise
        finally:
            router.stop()


if __name__ == "__main__":
    sys.exit(main())
