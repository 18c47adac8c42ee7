"""Stopping the processes the end-to-end tests start in their own process groups."""
from __future__ import annotations

import os
import signal
import subprocess


def stop_group(process: subprocess.Popen | None, grace: float) -> None:
    """SIGTERM to the process's group, SIGKILL after `grace` seconds; nothing when it has already ended."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
