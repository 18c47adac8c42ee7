"""The router's own CPU time per resident message, on SQLite and PostgreSQL, and where it goes.

On 2 cores the router and Rasa share the machine, so every millisecond of CPU the router spends on a
message is one Rasa cannot spend answering: with 20 residents at once the router's throughput is about
rasa_cpu ÷ (rasa_cpu + router_cpu) of Rasa's own (issue 17). CPU time, unlike latency, hardly depends on
what else the machine is doing, so this measures it alone and repeatably: the real router process
(`python -m router`, bench/stack_runner.py) on a fresh database, in front of a stand-in for Rasa in this
process that answers at once with what Rasa's REST channel sends (a text, sometimes buttons, the intent),
so nothing of Rasa's own work is in the figures.

K conversations are created and warmed up (not measured: the connection pool fills, SQLAlchemy compiles
and caches its statements), then K clients send N messages in all through the resident API
(`POST /api/conversations/{id}/messages`, each with a `client_message_id`, as the widget does), each
client one message at a time. The router process's CPU time (user + system, /proc/<pid>/stat) is read
before and after each run: CPU per message is the difference ÷ N. Each run is repeated; the median is the
figure. The CPU of the idle router (its timers) is printed apart, in ms per second.

`--profile` then runs once more under cProfile (bench/profiled_router.py, switched on only for that run)
and prints where the event loop's thread spends its time: the top functions by own time, and own time
summed per package, in CPU time of that thread. Cumulative times are not printed: SQLAlchemy runs its
async calls in greenlets, whose switches cProfile does not see, so it adds one function's time to the
callers of another (coroutines' middlewares came out at 20 times the whole). cProfile slows what it
measures, so the CPU figures come from the runs without it; and it counts every resumption of a
coroutine as a call, so "calls/msg" of a coroutine is its awaits, not its calls.

    .venv/bin/python bench/router_cpu.py [--messages 400] [--conversations 20] [--repeats 3]
                                         [--databases sqlite postgresql] [--profile] [--postgres-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import statistics
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import paths  # noqa: E402
from assistant.safety import is_emergency  # noqa: E402
from bench.profiled_router import PROFILE_OUT  # noqa: E402
from bench.stack_runner import RouterOnly, bench_workdir, free_port, postgres_databases  # noqa: E402
from bot.setup_env import setup  # noqa: E402

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_DATABASE = "bench_router_cpu"
WARM_UP_PER_CONVERSATION = 5
IDLE_SECONDS = 3.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# What residents ask (none trips the safety net: the check at the start makes sure).
QUESTIONS = (
    "Vad är Tryggare Helsingborg för något?",
    "Hur samarbetar kommunen med polisen?",
    "Min cykel blev stulen i helgen, var anmäler jag det?",
    "Gatlampan på vår gata har varit trasig i en vecka, hur felanmäler jag?",
    "Finns det stöd för brottsoffer i Helsingborg?",
    "Sparas det jag skriver i chatten?",
)
# A typical answer of the assistant's domain: one paragraph with a link; every third one offers buttons.
ANSWER = (
    "Tryggare Helsingborg är stadens samlade arbete för att fler ska vara och känna sig trygga. Staden, "
    "polisen och andra aktörer arbetar tillsammans med lägesbilder, trygghetsvandringar och förebyggande "
    "insatser. Läs mer på https://helsingborg.se/trygghet eller fråga mig om något särskilt."
)
BUTTONS = [
    {"title": "Anmäla ett brott", "payload": "/report_crime"},
    {"title": "Prata med en kommunvägledare", "payload": "/human_handoff"},
]


def stand_in_rasa(token: str) -> web.Application:
    """Rasa's REST webhook as the locked REST channel answers (doors/rest_channel.py): the replies, then the
    intent it understood as a custom message of its own. Answers at once: only the router is measured."""
    answered = 0

    async def webhook(request: web.Request) -> web.Response:
        nonlocal answered
        if request.headers.get("X-Rasa-Token") != token:
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await request.json()
        answered += 1
        reply = {"recipient_id": body["sender"], "text": ANSWER}
        if answered % 3 == 0:
            reply["buttons"] = BUTTONS
        intent = {"name": "tryggare_helsingborg", "confidence": 0.97}
        return web.json_response([reply, {"recipient_id": body["sender"], "custom": {"intent": intent}}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return app


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of a process: user and system over all its threads (ended ones included), and the
    event loop's thread (the main one) alone."""

    user: float
    system: float
    main_thread: float

    @property
    def total(self) -> float:
        return self.user + self.system

    @classmethod
    def of(cls, pid: int) -> "Cpu":
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()  # utime is field 14, stime 15 (1-based, from pid)
        main = int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[0])  # ns on a core
        return cls(int(fields[11]) / _CLOCK_TICKS, int(fields[12]) / _CLOCK_TICKS, main / 1e9)

    def __sub__(self, other: "Cpu") -> "Cpu":
        return Cpu(self.user - other.user, self.system - other.system, self.main_thread - other.main_thread)


@dataclass(frozen=True)
class Run:
    messages: int
    cpu: Cpu
    wall: float
    load: float

    def line(self) -> str:
        per = 1000 / self.messages
        return (
            f"{self.cpu.total * per:6.2f} ms CPU per message (user {self.cpu.user * per:.2f}, system "
            f"{self.cpu.system * per:.2f}; event-loop thread {self.cpu.main_thread * per:.2f}, other threads "
            f"{(self.cpu.total - self.cpu.main_thread) * per:.2f}); {self.messages / self.wall:5.1f} messages/s; "
            f"load average {self.load:.1f}"
        )


class Residents:
    """K conversations on one router, each sending its messages one at a time."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base
        self.conversations: list[tuple[str, dict[str, str]]] = []
        self.errors: list[str] = []

    async def open(self, count: int) -> None:
        for _ in range(count):
            async with self.http.post(f"{self.base}/api/conversations") as response:
                if response.status != 201:
                    raise SystemExit(f"POST /api/conversations answered {response.status}: {await response.text()}")
                created = await response.json()
            self.conversations.append((created["id"], {"Authorization": f"Bearer {created['token']}"}))

    async def send(self, messages: int) -> float:
        """`messages` in all, spread over the conversations, all conversations at once; returns the wall time."""
        count = len(self.conversations)
        shares = [messages // count + (index < messages % count) for index in range(count)]
        started = time.perf_counter()
        await asyncio.gather(*(self._converse(index, share) for index, share in enumerate(shares)))
        return time.perf_counter() - started

    async def _converse(self, index: int, messages: int) -> None:
        conversation, auth = self.conversations[index]
        for number in range(messages):
            text = QUESTIONS[(index + number) % len(QUESTIONS)]
            async with self.http.post(
                f"{self.base}/api/conversations/{conversation}/messages",
                json={"text": text, "client_message_id": uuid.uuid4().hex},
                headers=auth,
            ) as response:
                body = await response.json(content_type=None)
            if response.status != 200 or body.get("state") != "bot" or not body.get("replies"):
                self.errors.append(f"{response.status}: {body}")


async def _measure(
    args: argparse.Namespace, router: RouterOnly, profile_out: Path | None
) -> tuple[list[Run], float, list[str]]:
    pid = router.process.pid
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        residents = Residents(http, router.base_url)
        await residents.open(args.conversations)
        await residents.send(args.conversations * WARM_UP_PER_CONVERSATION)
        await asyncio.sleep(0.5)
        before = Cpu.of(pid)
        await asyncio.sleep(IDLE_SECONDS)
        idle = (Cpu.of(pid) - before).total / IDLE_SECONDS
        runs = []
        for _ in range(args.repeats):
            before = Cpu.of(pid)
            wall = await residents.send(args.messages)
            runs.append(Run(args.messages, Cpu.of(pid) - before, wall, os.getloadavg()[0]))
        if profile_out is not None:
            os.kill(pid, signal.SIGUSR1)
            await asyncio.sleep(0.2)
            await residents.send(args.messages)
            os.kill(pid, signal.SIGUSR2)
            for _ in range(100):
                await asyncio.sleep(0.1)
                if profile_out.exists() and profile_out.stat().st_size:
                    break
    return runs, idle, residents.errors


def _package(filename: str) -> str:
    """What a profiled function belongs to: a site package, a folder of this project, or a standard module."""
    if filename.startswith("~") or filename.startswith("<"):
        return "(built-in functions)"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    try:
        relative = Path(filename).relative_to(paths.ROOT).parts
    except ValueError:
        return f"(stdlib) {Path(filename).parent.name if Path(filename).parent.name != 'python3.11' else Path(filename).stem}"
    return "/".join(relative[:2]) if len(relative) > 2 else relative[0]


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename.startswith("~"):
        return function
    parts = Path(filename).parts
    if "site-packages" in parts:
        filename = "/".join(parts[parts.index("site-packages") + 1 :])
    else:
        try:
            filename = str(Path(filename).relative_to(paths.ROOT))
        except ValueError:
            filename = "/".join(parts[-2:])
    return f"{filename}:{line} {function}"


def _print_profile(profile_out: Path, messages: int, top: int) -> None:
    stats = pstats.Stats(str(profile_out))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tottime for _, _, tottime, _, _ in entries.values())
    per = 1000 / messages
    print(
        f"  cProfile of the event loop's thread: {total * per:.2f} ms per message under the profiler "
        f"(slower than without it; compare shares)"
    )
    packages: dict[str, float] = defaultdict(float)
    for key, (_, _, tottime, _, _) in entries.items():
        packages[_package(key[0])] += tottime
    print("  own time per package:")
    for name, tottime in sorted(packages.items(), key=lambda item: -item[1])[:top]:
        print(f"    {100 * tottime / total:5.1f} %  {tottime * per:6.3f} ms/msg  {name}")
    print(f"  top {top} functions by own time:")
    print(f"    {'share':>7} {'ms/msg':>7} {'calls/msg':>9}  function")
    for key, (_, calls, tottime, _, _) in sorted(entries.items(), key=lambda item: -item[1][2])[:top]:
        print(f"    {100 * tottime / total:6.1f}% {tottime * per:7.3f} {calls / messages:9.1f}  {_where(key)}")


def _report(database: str, args: argparse.Namespace, runs: list[Run], idle: float, errors: list[str]) -> None:
    print()
    print(
        f"== {database}: {args.messages} resident messages over {args.conversations} conversations, "
        f"{len(runs)} run(s) =="
    )
    if errors:
        print(f"ERRORS ({len(errors)}):")
        for error in errors[:10]:
            print(f"  {error}")
    for number, run in enumerate(runs, start=1):
        print(f"  run {number}: {run.line()}")
    median = statistics.median(run.cpu.total * 1000 / run.messages for run in runs)
    print(
        f"  router CPU per message, median of {len(runs)}: {median:.2f} ms   (idle router: {idle * 1000:.1f} ms CPU/s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400, help="measured messages per run (default 400)")
    parser.add_argument("--conversations", type=int, default=20, help="conversations sending at once (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per database (default 3)")
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help=f"a PostgreSQL database to connect to for creating and dropping {POSTGRES_DATABASE}",
    )
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile, and its top lists")
    parser.add_argument("--top", type=int, default=25, help="lines per profile list (default 25)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, router logs)")
    args = parser.parse_args()
    if min(args.messages, args.conversations, args.repeats) < 1:
        parser.error("--messages, --conversations and --repeats must be at least 1")
    bad = [text for text in QUESTIONS if is_emergency(text)]
    if bad:
        raise SystemExit(f"the safety net treats these as emergencies; change QUESTIONS: {bad}")
    setup()
    failed = False
    with (
        bench_workdir("bench-router-cpu-", args.keep) as workdir,
        postgres_databases([POSTGRES_DATABASE] if "postgresql" in args.databases else [], args.postgres_url) as pg_urls,
    ):
        for database in args.databases:
            failed = _database(args, workdir, database, pg_urls.get(POSTGRES_DATABASE)) or failed
    return 1 if failed else 0


def _database(args: argparse.Namespace, workdir: Path, database: str, postgres_url: str | None) -> bool:
    """Measure the router on one database; True when a request failed."""
    profile_out = workdir / f"{database}.prof" if args.profile else None
    rasa_port = free_port()
    router = RouterOnly(
        workdir,
        agents=0,
        database_url=postgres_url if database == "postgresql" else None,
        extra_env={
            "RASA_URL": f"http://127.0.0.1:{rasa_port}",
            "ACTIONS_URL": f"http://127.0.0.1:{rasa_port}",
            **({PROFILE_OUT: str(profile_out)} if profile_out else {}),
        },
        module="bench.profiled_router" if profile_out else "router",
    )

    async def run() -> tuple[list[Run], float, list[str]]:
        runner = web.AppRunner(stand_in_rasa(router.environment()["RASA_TOKEN"]), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", rasa_port).start()
        try:
            return await _measure(args, router, profile_out)
        finally:
            await runner.cleanup()

    router.start()
    try:
        runs, idle, errors = asyncio.run(run())
    except BaseException:
        print(
            f"--- router log (last 3000 characters) ---\n{router.log_path.read_text(errors='replace')[-3000:]}",
            file=sys.stderr,
        )
        raise
    finally:
        router.stop()
    _report("SQLite" if database == "sqlite" else "PostgreSQL", args, runs, idle, errors)
    if profile_out is not None:
        if profile_out.exists():
            _print_profile(profile_out, args.messages, args.top)
        else:
            print("  no profile was written; see the router log (--keep)")
    return bool(errors)


if __name__ == "__main__":
    sys.exit(main())
