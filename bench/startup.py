"""Where `make run` with a trained model spends its time until the system is healthy.

Starts the three processes as `make run` does (bot/services.py: actions, Rasa and the router at once, on free
local ports, with a temporary database and tracker store) and records when each one first answers: the
action server's /health, the router's /healthz, Rasa's /status with its model loaded, and a resident's first
answer from the assistant through the router. Then, each in a fresh Python of .venv-rasa, one at a time, the
steps Rasa's start is made of: importing TensorFlow, importing Rasa's agent, unpacking the model archive and
loading the spaCy pipeline. Prints a breakdown.

    .venv/bin/python bench/startup.py [--model models/x.tar.gz]

The model defaults to the one in service (models/in-service), else the newest in models/. Figures depend on
what else the machine does: say so when reporting them.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import paths  # noqa: E402
from assistant.in_service import in_service_model  # noqa: E402
from assistant.training import latest_model  # noqa: E402
from bench.stack_runner import answers, assistant_answers, free_port  # noqa: E402
from bot.services import Ports, Stack  # noqa: E402

# Each step of Rasa's own start, timed in a fresh interpreter (the import of the step before is included
# in `startup`, not in the figure).
STEPS = {
    "python start": "pass",
    "import tensorflow": "import tensorflow",
    "import rasa agent (incl. tensorflow)": "import rasa.core.agent",
    "unpack the model archive": (
        "import sys, tarfile, tempfile\n"
        "with tempfile.TemporaryDirectory() as d, tarfile.open(sys.argv[1]) as t: t.extractall(d)"
    ),
    "load the spaCy pipeline": f"import spacy; spacy.load({str(paths.SPACY_MODEL)!r})",
}


def stack_timeline(model: Path, timeout: float) -> dict[str, float]:
    """Seconds from the start until each process first answered, and until the first answer of the assistant."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        work = Path(folder)
        ports = Ports(router=free_port(), rasa=free_port(), actions=free_port())
        stack = Stack(model=model, ports=ports, router_host="127.0.0.1", log_dir=work / "logs", extra_env={
            "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'router.db'}",
            "RASA_TRACKER_DB": str(work / "rasa-tracker.db"),
            "ROUTER_FIXED_NOW": "2026-11-30T10:00:00+01:00",
        })
        env = stack.environment()
        checks = {
            "actions /health": f"http://127.0.0.1:{ports.actions}/health",
            "router /healthz": f"http://127.0.0.1:{ports.router}/healthz",
            "rasa /status (model loaded)": f"http://127.0.0.1:{ports.rasa}/status?token={env['RASA_TOKEN']}",
        }
        started = time.monotonic()
        for name, argv in stack.commands().items():
            if name != "city-page":
                stack._spawn(name, argv)
        ready: dict[str, float] = {}
        conversation: dict | None = None
        router = f"http://127.0.0.1:{ports.router}"
        try:
            while "first answer from the assistant" not in ready:
                stack.raise_if_exited()
                now = time.monotonic() - started
                if now > timeout:
                    raise SystemExit(f"not ready after {timeout:.0f} s: {sorted(set(checks) - set(ready))}")
                for name, url in checks.items():
                    if name not in ready and answers(url):
                        ready[name] = time.monotonic() - started
                        print(f"  {ready[name]:6.1f} s  {name}", flush=True)
                if "router /healthz" in ready and "rasa /status (model loaded)" in ready:
                    conversation, answered = assistant_answers(router, conversation)
                    if answered:
                        ready["first answer from the assistant"] = time.monotonic() - started
                        print(f"  {ready['first answer from the assistant']:6.1f} s  first answer from the assistant")
                time.sleep(0.2)
        finally:
            stack.stop()
        return ready


def step_seconds(model: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    for name, code in STEPS.items():
        started = time.monotonic()
        subprocess.run([str(paths.RASA_PYTHON), "-c", code, str(model)], check=True, cwd=paths.ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        timings[name] = time.monotonic() - started
        print(f"  {timings[name]:6.1f} s  {name}", flush=True)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="the model Rasa loads (default: in service, else the newest)")
    parser.add_argument("--timeout", type=float, default=900, help="give up after this many seconds")
    args = parser.parse_args()
    model = args.model or in_service_model() or latest_model()
    if model is None:
        raise SystemExit("no model: run `make train` or pass --model")
    print(f"Model: {model} ({model.stat().st_size / 1e6:.0f} MB)")
    print("The whole stack, started as `make run` does (seconds since start):")
    ready = stack_timeline(model, args.timeout)
    print("Rasa's start, step by step (each in a fresh .venv-rasa Python):")
    steps = step_seconds(model)
    python = steps.pop("python start")
    print("\nBreakdown of a start with a trained model:")
    print(f"  router healthy (/healthz)            {ready['router /healthz']:6.1f} s")
    print(f"  action server healthy                {ready['actions /health']:6.1f} s")
    print(f"  Rasa serving its model               {ready['rasa /status (model loaded)']:6.1f} s")
    print(f"  first answer from the assistant      {ready['first answer from the assistant']:6.1f} s")
    print("  of Rasa's start, measured alone:")
    for name, seconds in steps.items():
        print(f"    {name:<38} {seconds - python:6.1f} s")
    accounted = steps["import rasa agent (incl. tensorflow)"] + steps["unpack the model archive"] \
        + steps["load the spaCy pipeline"] - 3 * python
    print(f"    {'rest (graph, DIET weights, Sanic)':<38} {ready['rasa /status (model loaded)'] - accounted:6.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
