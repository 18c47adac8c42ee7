"""`make run` on a fresh clone, timed to the assistant's first answer (issue 14: ≤ 8 min on 2 cores).

Clones the repository's committed HEAD into a temporary folder (`git clone`: no venvs, no spaCy pipeline, no
model, no .env), runs `make run` there as a newcomer would, and polls the router on its default port until a
resident's "hej" gets the assistant's answer (not the "assistenten startar" or technical-error reply). Prints
when each step `make run` announces ("==> …" lines) began, seconds since `make run` started, and the total;
then stops the system and removes the clone.

    .venv/bin/python bench/first_run.py [--repo .] [--timeout 1800] [--keep]

The ports of `make run` (8080, 5005, 5055) must be free: nothing else of the project may be running. pip
fetches the packages from the registry, so its share depends on the network as much as on the machine.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack_runner import assistant_answers  # noqa: E402

ROUTER = "http://127.0.0.1:8080"
PORTS = (8080, 5005, 5055)


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the clone (its venvs and model) afterwards")
    args = parser.parse_args()
    taken = [port for port in PORTS if _port_taken(port)]
    if taken:
        raise SystemExit(f"ports {taken} are in use: stop what runs there first")
    clone = Path(tempfile.mkdtemp(prefix="bench-first-run-"))
    subprocess.run(["git", "clone", "-q", str(args.repo), str(clone / "repo")], check=True)
    head = subprocess.run(["git", "-C", str(clone / "repo"), "log", "--oneline", "-1"], capture_output=True,
                          text=True, check=True).stdout.strip()
    print(f"Fresh clone of {head} in {clone / 'repo'}", flush=True)
    started = time.monotonic()
    steps: list[tuple[float, str]] = []
    make = subprocess.Popen(["make", "run"], cwd=clone / "repo", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def follow() -> None:
        assert make.stdout is not None
        for line in make.stdout:
            if line.startswith("==>"):
                steps.append((time.monotonic() - started, line.strip()))
                print(f"  {steps[-1][0]:7.1f} s  {line.strip()}", flush=True)

    threading.Thread(target=follow, daemon=True).start()
    conversation, answered = None, False
    try:
        while not answered:
            if make.poll() is not None:
                raise SystemExit(f"make run exited with {make.returncode} before the first answer")
            if time.monotonic() - started > args.timeout:
                raise SystemExit(f"no answer within {args.timeout:.0f} s")
            time.sleep(1)
            conversation, answered = assistant_answers(ROUTER, conversation)
        total = time.monotonic() - started
        print(f"\nmake run on a fresh clone → the assistant's first answer: {total:.1f} s ({total / 60:.1f} min)")
    finally:
        os.killpg(make.pid, signal.SIGINT)
        try:
            make.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(clone, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
