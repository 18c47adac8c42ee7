"""Bot reply latency through the router versus straight to Rasa, on SQLite and PostgreSQL, and where the
router's own time goes.

Starts Rasa (with the current model), the action server and one router per database (SQLite in a
temporary folder; PostgreSQL in a database this script creates and drops), all on free local ports.
With `--baseline REF` a second router per database runs the code of an earlier commit (a temporary
git worktree), so "before" and "after" are measured in the same run under the same load.

Then, for each database and each client count (default 1 and 20), C clients run at once. Each client
owns one conversation on every router (`POST /api/conversations/{id}/messages`) and one straight on
Rasa's REST webhook (`POST /webhooks/rest/webhook`), and sends each question to all of them in random
order: every path is measured interleaved, under the same load, C requests in flight at any moment.

Reported per phase: p50/p95/p99/mean of each path, the router ÷ direct ratios and the throughput a
closed loop of C clients gets on each path (C ÷ mean latency; the ratio is direct mean ÷ router mean),
and the breakdown of each router's own time per stage from its timers (`GET /internal/timings`,
router/core/timings.py): authenticating, waiting for the conversation's turn, storing the message,
Rasa, storing the replies, publishing.

    .venv/bin/python bench/router_latency.py [--clients 1 20] [--messages 10] [--rounds 1] [--databases sqlite postgresql]
                                             [--baseline REF] [--model models/x.tar.gz] [--seed 1] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.latency_stats import LoopLag, Summary  # noqa: E402
from bench.stack_runner import (  # noqa: E402
    RouterOnly, bench_workdir, postgres_databases, process_group_usage, start_full_stack,
)
from bot.setup_env import setup  # noqa: E402
from bot.training import train  # noqa: E402
from assistant import paths  # noqa: E402
from assistant.safety import is_emergency  # noqa: E402

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DIRECT = "direct Rasa"
# The router's stages in the order a message passes them (router/core/timings.py).
STAGES = ("authenticate", "lock_wait", "store_message", "rasa", "store_replies", "publish")

# Residents' questions answered by a response (no custom action, no handoff), with the intent the
# model must give them; the preflight check stops the benchmark if it gives another one.
QUESTIONS: list[tuple[str, str]] = [
    ("tryggare_helsingborg", "Vad är Tryggare Helsingborg för något?"),
    ("tryggare_helsingborg", "Vad gör staden för att göra Helsingborg tryggare?"),
    ("focus_areas", "Vilka fokusområden har det brottsförebyggande arbetet?"),
    ("focus_areas", "Vad prioriterar ni i trygghetsarbetet?"),
    ("police_cooperation", "Hur samarbetar kommunen med polisen?"),
    ("police_cooperation", "Finns det någon samverkansöverenskommelse med polisen?"),
    ("lagesbild", "Var kan jag läsa lägesbilden om brottsligheten i Helsingborg?"),
    ("report_crime", "Hur gör jag en polisanmälan?"),
    ("report_crime", "Min cykel blev stulen i helgen, var anmäler jag det?"),
    ("police_tip", "Kan jag tipsa polisen anonymt?"),
    ("police_tip", "Hur lämnar jag ett tips till polisen utan att säga vem jag är?"),
    ("victim_support", "Jag blev utsatt för ett brott förra året och mår fortfarande dåligt, var får jag stöd?"),
    ("victim_support", "Finns det stöd för brottsoffer i Helsingborg?"),
    ("leave_criminal_life", "Hur gör man för att hoppa av från ett gäng?"),
    ("worried_about_child", "Jag är orolig för min son som umgås med kriminella kompisar"),
    ("report_fault", "Gatlampan på vår gata har varit trasig i en vecka, hur felanmäler jag?"),
    ("report_fault", "Det är klotter på busskuren vid skolan"),
    ("contact_details", "Vilket telefonnummer har kontaktcenter?"),
    ("contact_details", "Hur kontaktar jag kommunen?"),
    ("privacy", "Sparas det jag skriver i chatten?"),
    ("privacy", "Blir min chatt en allmän handling?"),
]
WARM_UP = "Hej!"


@dataclass(frozen=True)
class Router:
    """One running router: which code (`label`) on which database."""

    label: str
    database: str
    url: str
    pgid: int


class Endpoints:
    def __init__(self, http: aiohttp.ClientSession, rasa_url: str, rasa_token: str) -> None:
        self.http = http
        self.rasa = rasa_url
        self.token = rasa_token

    async def preflight(self) -> None:
        """Every question must be classified as its intent and not look like an emergency."""
        problems = []
        for expected, text in QUESTIONS:
            if is_emergency(text):
                problems.append(f"router safety net treats as an emergency: {text!r}")
            async with self.http.post(
                f"{self.rasa}/model/parse", params={"token": self.token}, json={"text": text}
            ) as response:
                response.raise_for_status()
                parsed = await response.json()
            got = parsed["intent"]["name"]
            if got != expected:
                problems.append(f"{text!r}: expected {expected}, the model says {got} ({parsed['intent']['confidence']:.2f})")
        if problems:
            raise SystemExit("Preflight failed; change QUESTIONS or the model:\n  " + "\n  ".join(problems))

    async def new_conversation(self, router: str) -> tuple[str, dict[str, str]]:
        async with self.http.post(f"{router}/api/conversations") as response:
            if response.status != 201:
                raise SystemExit(f"POST /api/conversations answered {response.status}: {await response.text()}")
            created = await response.json()
        return created["id"], {"Authorization": f"Bearer {created['token']}"}

    async def via_router(self, router: str, conversation: str, auth: dict[str, str], text: str) -> float:
        """Seconds until the router's answer is read; raises on anything but a bot answer."""
        started = time.perf_counter()
        async with self.http.post(
            f"{router}/api/conversations/{conversation}/messages",
            json={"text": text, "client_message_id": uuid.uuid4().hex},
            headers=auth,
        ) as response:
            body = await response.json(content_type=None)
            elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"router answered {response.status}: {body}")
        if body.get("state") != "bot" or not body.get("replies"):
            raise RuntimeError(f"router gave no bot answer to {text!r}: {body}")
        return elapsed

    async def direct(self, sender: str, text: str) -> float:
        started = time.perf_counter()
        async with self.http.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text},
            headers={"X-Rasa-Token": self.token},
        ) as response:
            body = await response.json(content_type=None)
            elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"Rasa answered {response.status}: {body}")
        if not any(isinstance(reply, dict) and reply.get("text") for reply in body):
            raise RuntimeError(f"Rasa gave no text answer to {text!r}: {body}")
        return elapsed


    async def rasa_failures(self, router: str) -> int:
        """The router's failed Rasa requests so far (`chat_rasa_errors_total`, read from its /metrics, which
        answers a loopback caller): each one gave a resident the "cannot answer now" text instead of an
        answer, which `via_router` cannot tell from an answer, so the phase counts them as errors."""
        async with self.http.get(f"{router}/metrics") as response:
            if response.status == 404:
                return 0
            text = await response.text()
        return round(sum(
            float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("chat_rasa_errors_total{")
        ))

    async def timings(self, router: str, secret: str, clear: bool = False) -> dict[str, list[float]] | None:
        """The router's stage timers in ms (None: the router has none, e.g. a baseline before them)."""
        method = self.http.delete if clear else self.http.get
        async with method(f"{router}/internal/timings", headers={"X-Internal-Secret": secret}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return await response.json()


@dataclass
class Client:
    """One simulated resident on every path: a conversation on each router and one straight on Rasa."""

    conversations: dict[str, tuple[str, dict[str, str]]]
    sender: str

    @classmethod
    async def warmed_up(cls, endpoints: Endpoints, routers: list[Router]) -> "Client":
        """A new client whose first (unmeasured) message has started every conversation."""
        conversations = {}
        for router in routers:
            conversation, auth = await endpoints.new_conversation(router.url)
            await endpoints.via_router(router.url, conversation, auth, WARM_UP)
            conversations[router.url] = (conversation, auth)
        client = cls(conversations, f"bench-direct-{uuid.uuid4().hex}")
        await endpoints.direct(client.sender, WARM_UP)
        return client

    async def run(
        self, endpoints: Endpoints, routers: list[Router], index: int, messages: int,
        samples: dict[str, list[float]], errors: list[str], rng: random.Random,
    ) -> None:
        for number in range(messages):
            _, text = QUESTIONS[(index * 7 + number) % len(QUESTIONS)]
            paths_ = [*routers, None]
            rng.shuffle(paths_)
            for router in paths_:
                name = DIRECT if router is None else _name(router)
                try:
                    if router is None:
                        elapsed = await endpoints.direct(self.sender, text)
                    else:
                        conversation, auth = self.conversations[router.url]
                        elapsed = await endpoints.via_router(router.url, conversation, auth, text)
                except (RuntimeError, aiohttp.ClientError, asyncio.TimeoutError) as error:
                    errors.append(f"{name}: {error!r}")
                    continue
                samples[name].append(elapsed * 1000)


def _name(router: Router) -> str:
    return f"router {router.label} ({router.database})"


@dataclass
class Phase:
    database: str
    clients: int
    samples: dict[str, list[float]]
    errors: list[str]
    wall: float
    load: tuple[float, float]
    router_cpu_ms: dict[str, float] = field(default_factory=dict)
    stages: dict[str, dict[str, list[float]]] = field(default_factory=dict)


async def _phase(
    endpoints: Endpoints, routers: list[Router], database: str, clients: int, messages: int, seed: int, secret: str,
) -> Phase:
    clients_ = await asyncio.gather(*(Client.warmed_up(endpoints, routers) for _ in range(clients)))
    await asyncio.sleep(1)  # let the warm-up's background work finish
    for router in routers:
        await endpoints.timings(router.url, secret, clear=True)
    samples: dict[str, list[float]] = {DIRECT: [], **{_name(router): [] for router in routers}}
    errors: list[str] = []
    rng = random.Random(seed)
    cpu_before = {_name(router): process_group_usage(router.pgid).cpu_seconds for router in routers}
    failures_before = {_name(router): await endpoints.rasa_failures(router.url) for router in routers}
    load_before = os.getloadavg()[0]
    lag = LoopLag()
    lag.start()
    started = time.perf_counter()
    await asyncio.gather(
        *(
            client.run(endpoints, routers, index, messages, samples, errors, random.Random(rng.random()))
            for index, client in enumerate(clients_)
        )
    )
    wall = time.perf_counter() - started
    await lag.stop()
    await asyncio.sleep(1)  # the last background work counts towards the router's CPU
    phase = Phase(database, clients, samples, errors, wall, (load_before, os.getloadavg()[0]))
    for router in routers:
        name = _name(router)
        failures = await endpoints.rasa_failures(router.url) - failures_before[name]
        if failures:
            errors.append(f"{name}: {failures} Rasa request(s) failed; the resident got the 'cannot answer' text")
        used = process_group_usage(router.pgid).cpu_seconds - cpu_before[name]
        phase.router_cpu_ms[name] = used * 1000 / max(1, len(samples[name]))
        stages = await endpoints.timings(router.url, secret)
        if stages is not None:
            phase.stages[name] = stages
    return phase


def _pooled(rounds: list[Phase]) -> Phase:
    """The rounds of one phase as one: their samples, errors and stage timings together, the wall time summed,
    the router's CPU per message over all of them, the load at the first start and the last end."""
    first = rounds[0]
    pooled = Phase(
        first.database, first.clients, {name: [] for name in first.samples}, [], 0.0,
        (first.load[0], rounds[-1].load[1]),
    )
    cpu: dict[str, float] = {}
    for phase in rounds:
        for name, values in phase.samples.items():
            pooled.samples[name].extend(values)
        pooled.errors.extend(phase.errors)
        pooled.wall += phase.wall
        for name, per_message in phase.router_cpu_ms.items():
            cpu[name] = cpu.get(name, 0.0) + per_message * len(phase.samples[name])
        for name, stages in phase.stages.items():
            for stage, values in stages.items():
                pooled.stages.setdefault(name, {}).setdefault(stage, []).extend(values)
    pooled.router_cpu_ms = {name: total / max(1, len(pooled.samples[name])) for name, total in cpu.items()}
    return pooled


def _report(phase: Phase, rounds: int = 1) -> None:
    print()
    print(
        f"== {phase.database}: {phase.clients} concurrent client(s), every path interleaved"
        + (f", {rounds} rounds of new conversations" if rounds > 1 else "")
        + f" (wall {phase.wall:.1f} s, load average {phase.load[0]:.1f} -> {phase.load[1]:.1f}) =="
    )
    if phase.errors:
        print(f"ERRORS ({len(phase.errors)}):")
        for error in phase.errors[:20]:
            print(f"  {error}")
    direct = Summary.of(phase.samples[DIRECT]) if phase.samples[DIRECT] else None
    print(f"{'path':<34} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'mean':>8} {'answers/s':>9}   "
          "÷ direct p50 / p95 / p99 / throughput")
    for name, values in phase.samples.items():
        if not values:
            print(f"{name:<34} no samples")
            continue
        summary = Summary.of(values)
        throughput = phase.clients * 1000 / summary.mean
        line = (
            f"{name:<34} {summary.count:>5} {summary.p50:8.1f} {summary.p95:8.1f} {summary.p99:8.1f} "
            f"{summary.mean:8.1f} {throughput:9.1f}"
        )
        if direct is not None and name != DIRECT:
            line += (
                f"   {summary.p50 / direct.p50:.2f} / {summary.p95 / direct.p95:.2f} / "
                f"{summary.p99 / direct.p99:.2f} / {direct.mean / summary.mean:.2f}"
            )
        print(line)
    for name, cpu in phase.router_cpu_ms.items():
        print(f"  {name}: CPU {cpu:.1f} ms per message")
    for name, stages in phase.stages.items():
        print(f"  {name}, own time per stage (ms):")
        for stage in (*STAGES, *sorted(set(stages) - set(STAGES))):
            if stages.get(stage):
                print(f"    {stage:<14} {Summary.of(stages[stage]).line()}")


@contextmanager
def _baseline_checkout(ref: str | None, workdir: Path) -> Iterator[Path | None]:
    """A temporary git worktree of `ref` (removed afterwards), or None without one."""
    if ref is None:
        yield None
        return
    checkout = workdir / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(checkout), ref], cwd=paths.ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    try:
        yield checkout
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=paths.ROOT, check=False)


async def measure(args: argparse.Namespace, routers: list[Router], rasa_url: str, token: str, secret: str) -> int:
    connector = aiohttp.TCPConnector(limit=max(args.clients) * (len(routers) + 1) + 10)
    timeout = aiohttp.ClientTimeout(total=120)
    failed = False
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        endpoints = Endpoints(http, rasa_url, token)
        await endpoints.preflight()
        for database in args.databases:
            on_database = [router for router in routers if router.database == database]
            for clients in args.clients:
                phase = _pooled([
                    await _phase(endpoints, on_database, database, clients, args.messages, args.seed + round_, secret)
                    for round_ in range(args.rounds)
                ])
                _report(phase, args.rounds)
                failed = failed or bool(phase.errors)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20], help="concurrent clients per phase")
    parser.add_argument("--messages", type=int, default=10, help="measured messages per client and path (default 10)")
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="repeat each phase with new conversations and pool the samples (default 1): more samples at one "
        "client without one long conversation, whose growing history slows Rasa and so flatters the ratio",
    )
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=POSTGRES_URL,
                        help="a PostgreSQL database to connect to for creating and dropping the benchmark's")
    parser.add_argument("--baseline", metavar="REF", help="also run the router of this git commit, side by side")
    parser.add_argument("--model", type=Path, help="Rasa model to load (default: bot.training.train())")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the send order")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    args = parser.parse_args()
    if min(args.clients) < 1 or args.messages < 1:
        parser.error("--clients and --messages must be at least 1")
    if args.model and not args.model.is_file():
        parser.error(f"--model {args.model} is not a file")
    setup()
    model = args.model.resolve() if args.model else train()
    labels = ["after", "before"] if args.baseline else ["HEAD"]
    pg_names = [f"bench_latency_{label.lower()}" for label in labels] if "postgresql" in args.databases else []
    with bench_workdir("bench-router-", args.keep) as workdir, _baseline_checkout(args.baseline, workdir) as baseline, \
            postgres_databases(pg_names, args.postgres_url) as pg_urls:
        stack = start_full_stack(workdir, model, agents=1, extra_env={})
        extra: list[RouterOnly] = []
        try:
            env = stack.environment()
            rasa_url = f"http://127.0.0.1:{stack.ports.rasa}"
            upstream = {"RASA_URL": rasa_url, "ACTIONS_URL": f"http://127.0.0.1:{stack.ports.actions}"}
            routers = [Router(labels[0], "sqlite", f"http://127.0.0.1:{stack.ports.router}", stack.processes["router"].pid)]
            wanted = [(labels[0], "postgresql", None)] + (
                [(labels[1], "sqlite", baseline), (labels[1], "postgresql", baseline)] if baseline else []
            )
            for label, database, checkout in wanted:
                if database not in args.databases:
                    continue
                runner = RouterOnly(
                    workdir, agents=1, database_url=pg_urls.get(f"bench_latency_{label.lower()}") if database == "postgresql" else None,
                    extra_env=upstream, checkout=checkout or paths.ROOT,
                )
                runner.start()
                extra.append(runner)
                routers.append(Router(label, database, runner.base_url, runner.process.pid))
            routers = [router for router in routers if router.database in args.databases]
            return asyncio.run(measure(args, routers, rasa_url, env["RASA_TOKEN"], env["INTERNAL_SECRET"]))
        except BaseException:
            for log in sorted(workdir.rglob("*.log")):
                print(f"--- {log.name} (last 3000 characters) ---\n{log.read_text(errors='replace')[-3000:]}",
                      file=sys.stderr)
            raise
        finally:
            for runner in extra:
                runner.stop()
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
