"""Bot reply latency through the router versus straight to Rasa, and what the router costs.

Starts the whole system (real Rasa with the current model, the action server, the router) on free
ports with a temporary database, then runs C clients at once. Each client owns one router
conversation (`POST /api/conversations/{id}/messages`) and one conversation straight on Rasa's REST
webhook (`POST /webhooks/rest/webhook`), and sends the same Swedish question to both, in random order,
N times: both paths are measured side by side under the same load. Afterwards a short phase times
the tracker fetch the router makes in the background after every answer (to store the intent), so
the extra load the router puts on Rasa is reported too.

    .venv/bin/python bench/router_latency.py [--conversations 20] [--messages 10] [--model models/x.tar.gz]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.latency_stats import LoopLag, Summary, percentile  # noqa: E402
from bench.stack_runner import Usage, bench_workdir, process_group_usage, start_full_stack  # noqa: E402
from bot.setup_env import setup  # noqa: E402
from bot.training import train  # noqa: E402
from assistant.safety import is_emergency  # noqa: E402

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


@dataclass
class Samples:
    router_ms: list[float] = field(default_factory=list)
    direct_ms: list[float] = field(default_factory=list)
    # Back-to-back pairs (same client, same question): router minus direct, and which went first.
    paired_difference_ms: list[float] = field(default_factory=list)
    router_first: list[bool] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Endpoints:
    def __init__(self, http: aiohttp.ClientSession, router_url: str, rasa_url: str, rasa_token: str) -> None:
        self.http = http
        self.router = router_url
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

    async def new_conversation(self) -> tuple[str, dict[str, str]]:
        async with self.http.post(f"{self.router}/api/conversations") as response:
            if response.status != 201:
                raise SystemExit(f"POST /api/conversations answered {response.status}: {await response.text()}")
            created = await response.json()
        return created["id"], {"Authorization": f"Bearer {created['token']}"}

    async def via_router(self, conversation: str, auth: dict[str, str], text: str) -> float:
        """Seconds until the router's answer is read; raises on anything but a bot answer."""
        started = time.perf_counter()
        async with self.http.post(
            f"{self.router}/api/conversations/{conversation}/messages",
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

    async def tracker(self, sender: str) -> float:
        """The same request the router makes after each answer (router/rasa/client.py latest_intent)."""
        started = time.perf_counter()
        async with self.http.get(
            f"{self.rasa}/conversations/{sender}/tracker", params={"include_events": "NONE", "token": self.token}
        ) as response:
            await response.read()
            elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"tracker answered {response.status}")
        return elapsed


@dataclass
class Client:
    """One simulated resident twice over: a router conversation and a conversation straight on Rasa."""

    conversation: str
    auth: dict[str, str]
    sender: str

    @classmethod
    async def warmed_up(cls, endpoints: Endpoints) -> "Client":
        """A new client whose first (unmeasured) message has started both conversations."""
        conversation, auth = await endpoints.new_conversation()
        client = cls(conversation, auth, f"bench-direct-{uuid.uuid4().hex}")
        await endpoints.via_router(client.conversation, client.auth, WARM_UP)
        await endpoints.direct(client.sender, WARM_UP)
        return client

    async def run(self, endpoints: Endpoints, index: int, messages: int, samples: Samples, rng: random.Random) -> None:
        for number in range(messages):
            _, text = QUESTIONS[(index * 7 + number) % len(QUESTIONS)]
            paths = ["router", "direct"]
            rng.shuffle(paths)
            timings: dict[str, float] = {}
            for path in paths:
                try:
                    if path == "router":
                        timings[path] = await endpoints.via_router(self.conversation, self.auth, text) * 1000
                        samples.router_ms.append(timings[path])
                    else:
                        timings[path] = await endpoints.direct(self.sender, text) * 1000
                        samples.direct_ms.append(timings[path])
                except (RuntimeError, aiohttp.ClientError, asyncio.TimeoutError) as error:
                    samples.errors.append(f"{path}: {error!r}")
            if len(timings) == 2:
                samples.paired_difference_ms.append(timings["router"] - timings["direct"])
                samples.router_first.append(paths[0] == "router")


async def _tracker_phase(endpoints: Endpoints, clients: int, calls: int, rasa_pgid: int) -> tuple[Summary, float]:
    """Tracker fetches alone, `clients` at once: latency and Rasa CPU milliseconds per fetch."""
    senders = [f"bench-direct-{uuid.uuid4().hex}" for _ in range(clients)]
    await asyncio.gather(*(endpoints.direct(sender, WARM_UP) for sender in senders))
    before = process_group_usage(rasa_pgid)
    timings: list[float] = []

    async def fetch(sender: str) -> None:
        for _ in range(calls):
            timings.append(await endpoints.tracker(sender) * 1000)

    await asyncio.gather(*(fetch(sender) for sender in senders))
    after = process_group_usage(rasa_pgid)
    return Summary.of(timings), (after.cpu_seconds - before.cpu_seconds) * 1000 / len(timings)


def _intents(database: Path) -> dict[str | None, int]:
    """What Rasa predicted for the residents' messages, as the router stored it."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT intent, COUNT(*) FROM messages WHERE sender = 'resident' GROUP BY intent ORDER BY 2 DESC"
        ).fetchall()
    return dict(rows)


async def measure(args: argparse.Namespace, router_url: str, rasa_url: str, token: str, pgids: dict[str, int],
                  database: Path) -> int:
    connector = aiohttp.TCPConnector(limit=args.conversations * 2 + 10)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        endpoints = Endpoints(http, router_url, rasa_url, token)
        await endpoints.preflight()
        clients = await asyncio.gather(*(Client.warmed_up(endpoints) for _ in range(args.conversations)))
        await asyncio.sleep(1)  # let the warm-up's background tracker fetches finish
        samples = Samples()
        seed = random.Random(args.seed)
        before = {name: process_group_usage(pgid) for name, pgid in pgids.items()}
        lag = LoopLag()
        lag.start()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                client.run(endpoints, index, args.messages, samples, random.Random(seed.random()))
                for index, client in enumerate(clients)
            )
        )
        wall = time.perf_counter() - started
        await lag.stop()
        await asyncio.sleep(2)  # the last background tracker fetches
        after = {name: process_group_usage(pgid) for name, pgid in pgids.items()}
        tracker, tracker_cpu_ms = await _tracker_phase(endpoints, args.conversations, args.messages, pgids["rasa"])

    _report(args, samples, wall, before, after, tracker, tracker_cpu_ms, lag, _intents(database))
    return 1 if samples.errors else 0


def _report(args, samples: Samples, wall: float, before: dict[str, Usage], after: dict[str, Usage],
            tracker: Summary, tracker_cpu_ms: float, lag: LoopLag, intents: dict[str | None, int]) -> None:
    print()
    print(f"== Router vs direct Rasa: {args.conversations} concurrent clients x {args.messages} messages per path ==")
    if samples.errors:
        print(f"ERRORS ({len(samples.errors)}):")
        for error in samples.errors[:20]:
            print(f"  {error}")
    if not samples.router_ms or not samples.direct_ms:
        print("No complete samples.")
        return
    router, direct = Summary.of(samples.router_ms), Summary.of(samples.direct_ms)
    print(f"via router   {router.line()}")
    print(f"direct Rasa  {direct.line()}")
    for name in ("p50", "p95", "mean"):
        r, d = getattr(router, name), getattr(direct, name)
        print(f"overhead {name:<4} {r - d:+8.1f} ms  {100 * (r - d) / d:+6.1f} %")
    paired = samples.paired_difference_ms
    if paired:
        print(
            f"paired (same client and question, back to back; n={len(paired)}): router minus direct "
            f"median {percentile(paired, 50):+.1f} ms, mean {sum(paired) / len(paired):+.1f} ms"
        )
    for first in (True, False):
        chosen = [d for d, r in zip(samples.paired_difference_ms, samples.router_first) if r == first]
        if chosen:
            print(
                f"  router sent {'first ' if first else 'second'}: n={len(chosen):<4} mean difference "
                f"{sum(chosen) / len(chosen):+.1f} ms"
            )
    overhead_p50 = 100 * (router.p50 - direct.p50) / direct.p50
    verdict = "met" if overhead_p50 <= 10 else "NOT met"
    print(f"target (router adds at most 10 % at p50): {verdict}")
    total = len(samples.router_ms) + len(samples.direct_ms)
    print(f"wall {wall:.1f} s, {total / wall:.1f} answers/s over both paths")
    print("process usage in the measured phase (CPU per answer over both paths; time ready but waiting for a core;")
    print("RSS before -> after):")
    for name in before:
        cpu = (after[name].cpu_seconds - before[name].cpu_seconds) * 1000
        waited = after[name].run_queue_seconds - before[name].run_queue_seconds
        print(
            f"  {name:<8} CPU {cpu / total:7.1f} ms/answer   waited {waited:6.1f} s   "
            f"RSS {before[name].rss_mib:7.1f} -> {after[name].rss_mib:7.1f} MiB"
        )
    router_cpu = (after["router"].cpu_seconds - before["router"].cpu_seconds) * 1000 / len(samples.router_ms)
    print(f"  router CPU per router message (store, safety check, Rasa call, tracker fetch): {router_cpu:.1f} ms")
    print(
        f"background tracker fetch (one per router answer; {args.conversations} at once, alone): "
        f"{tracker.line()}; Rasa CPU {tracker_cpu_ms:.1f} ms per fetch"
    )
    print(f"client event-loop lag: {Summary.of(lag.samples).line()}" if lag.samples else "client event-loop lag: none")
    print("intents the router stored for residents' messages (warm-up included):")
    for intent, count in intents.items():
        print(f"  {intent or '(not stored)':<22} {count}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--messages", type=int, default=10, help="measured messages per client and path (default 10)")
    parser.add_argument("--model", type=Path, help="Rasa model to load (default: bot.training.train())")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the send order")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, logs)")
    args = parser.parse_args()
    if args.conversations < 1 or args.messages < 1:
        parser.error("--conversations and --messages must be at least 1")
    if args.model and not args.model.is_file():
        parser.error(f"--model {args.model} is not a file")
    setup()
    model = args.model.resolve() if args.model else train()
    with bench_workdir("bench-router-", args.keep) as workdir:
        stack = start_full_stack(workdir, model, agents=1, extra_env={})
        try:
            env = stack.environment()
            pgids = {name: process.pid for name, process in stack.processes.items()}
            return asyncio.run(
                measure(
                    args, f"http://127.0.0.1:{stack.ports.router}", f"http://127.0.0.1:{stack.ports.rasa}",
                    env["RASA_TOKEN"], pgids, workdir / "router.db",
                )
            )
        except BaseException:
            for log in sorted((workdir / "logs").glob("*.log")):
                print(f"--- {log.name} (last 3000 characters) ---\n{log.read_text(errors='replace')[-3000:]}",
                      file=sys.stderr)
            raise
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
