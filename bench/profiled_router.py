"""`python -m bench.profiled_router`: the router exactly as `python -m router` runs it, with cProfile
switched on by SIGUSR1 and off by SIGUSR2, which also writes the statistics to $BENCH_PROFILE_OUT.

A profile from the start of the process would be mostly imports, migrations and start-up; the benchmark
(bench/router_cpu.py) wants the messages only, so it sends the signals around its measured phase.
cProfile sees the event loop's thread, where the router's own Python code runs; the database drivers'
threads (aiosqlite runs each SQLite call in a thread of its own) are not in it, so the benchmark prints
the CPU time of each thread next to the profile.
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import time

PROFILE_OUT = "BENCH_PROFILE_OUT"

# The thread's CPU clock, not the wall clock: time the loop spends blocked waiting for I/O is not work.
_profiler = cProfile.Profile(time.thread_time)


def _start(signum: int, frame: object) -> None:
    _profiler.enable()


def _stop(signum: int, frame: object) -> None:
    _profiler.disable()
    _profiler.dump_stats(os.environ[PROFILE_OUT])


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    runpy.run_module("router", run_name="__main__", alter_sys=True)
