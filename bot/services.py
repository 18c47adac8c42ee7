"""Start Rasa, the action server and the router together, and stop them together."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from assistant import paths
from assistant.console import step
from assistant.private_files import PRIVATE_UMASK, append_private, close_readable, private_dir
from assistant.rasa_env import rasa_environment


@dataclass
class Ports:
    router: int = 8080
    rasa: int = 5005
    actions: int = 5055
    # The demo city page on its own origin (bot/demo_site.py); None: not started.
    city: int | None = None


@dataclass
class Stack:
    """The three processes. Rasa and the actions bind to 127.0.0.1; the router is the public door."""

    model: Path
    ports: Ports = field(default_factory=Ports)
    router_host: str | None = None  # None: ROUTER_HOST from the environment or .env, else 127.0.0.1
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = rasa_environment()
        env.update(
            {
                "RASA_URL": f"http://127.0.0.1:{self.ports.rasa}",
                "ACTIONS_URL": f"http://127.0.0.1:{self.ports.actions}",
                "ROUTER_URL": f"http://127.0.0.1:{self.ports.router}",
                "ROUTER_PORT": str(self.ports.router),
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.ports.actions}/webhook",
                "SANIC_HOST": "127.0.0.1",
            }
        )
        env.setdefault("RASA_TRACKER_DB", str(paths.VAR / "rasa-tracker.db"))
        if self.router_host:
            env["ROUTER_HOST"] = self.router_host
        env.setdefault("ROUTER_HOST", "127.0.0.1")
        if self.ports.city is not None and not env.get("ALLOWED_ORIGINS", "").strip():
            # a `.env` written before ALLOWED_ORIGINS existed: let the demo city page embed the widget
            env["ALLOWED_ORIGINS"] = self.city_origin
        env.update(self.extra_env)
        return env

    @property
    def city_origin(self) -> str:
        return f"http://localhost:{self.ports.city}"

    def keep_var_private(self, env: dict[str, str]) -> None:
        """`var/` 0700, and the SQLite files an earlier start may have left readable (0644) closed to others."""
        private_dir(paths.VAR)
        files = [paths.VAR / "router.db"]
        if env.get("RASA_TRACKER_DIALECT", "sqlite") == "sqlite" and env.get("RASA_TRACKER_DB"):
            files.append(paths.ROOT / env["RASA_TRACKER_DB"])
        close_readable(*files)

    def _spawn(self, name: str, argv: list[str]) -> None:
        output = None
        if self.log_dir:
            private_dir(self.log_dir)
            output = append_private(self.log_dir / f"{name}.log")
        self.processes[name] = subprocess.Popen(
            argv,
            cwd=paths.ROOT,
            env=self.environment(),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
            umask=PRIVATE_UMASK,  # trackers, databases and logs it writes are the service account's alone
        )

    def commands(self) -> dict[str, list[str]]:
        """The command line of each process. No secret is on one (`ps` shows them to every local user):
        Rasa reads its API token and the REST channel's from RASA_TOKEN, the action server its secret from
        INTERNAL_SECRET, both in the environment (see doors/)."""
        commands = {
            "actions": [*paths.ACTION_SERVER, "--port", str(self.ports.actions), "--actions", "actions"],
            "rasa": [
                *paths.RASA_SERVER, "run", "--enable-api", "--interface", "127.0.0.1",
                "--port", str(self.ports.rasa), "--model", str(self.model),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            ],
            "router": [sys.executable, "-m", "router"],
        }
        if self.ports.city is not None:
            commands["city-page"] = [
                sys.executable, "-m", "bot.demo_site", "--port", str(self.ports.city),
                "--router", f"http://localhost:{self.ports.router}",
            ]
        return commands

    def start(self, timeout: float = 180.0) -> None:
        env = self.environment()
        for secret in ("RASA_TOKEN", "INTERNAL_SECRET"):
            if not env.get(secret, "").strip():
                raise SystemExit(f"{secret} is empty: run `python -m bot setup` to write .env")
        self.keep_var_private(env)
        commands = self.commands()
        step(f"Starting the action server on 127.0.0.1:{self.ports.actions}")
        self._spawn("actions", commands["actions"])
        step(f"Starting Rasa on 127.0.0.1:{self.ports.rasa} with {self.model.name}")
        self._spawn("rasa", commands["rasa"])
        step(f"Starting the router on {env['ROUTER_HOST']}:{self.ports.router}")
        self._spawn("router", commands["router"])
        if "city-page" in commands:
            step(f"Serving the demo city page on {self.city_origin}/ (the widget from the router's origin)")
            self._spawn("city-page", commands["city-page"])
        self.wait_until_ready(timeout)

    def wait_until_ready(self, timeout: float) -> None:
        checks = {
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "rasa": f"http://127.0.0.1:{self.ports.rasa}/status?token={self.environment()['RASA_TOKEN']}",
            "router": f"http://127.0.0.1:{self.ports.router}/healthz",
        }
        if self.ports.city is not None:
            checks["city-page"] = f"http://127.0.0.1:{self.ports.city}/"
        deadline = time.monotonic() + timeout
        pending = dict(checks)
        while pending:
            for name in list(pending):
                self.raise_if_exited()
                if _answers(pending[name]):
                    step(f"{name} is up")
                    del pending[name]
            if not pending:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"Timed out waiting for: {', '.join(pending)}")
            time.sleep(0.5)

    def raise_if_exited(self) -> None:
        for name, process in self.processes.items():
            code = process.poll()
            if code is not None:
                self.stop()
                raise SystemExit(f"{name} exited with code {code}")

    def stop(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def run(model: Path) -> int:
    stack = Stack(model=model, ports=Ports(city=8081))

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        stack.start()
        step(f"Ready: http://localhost:{stack.ports.router}/ (agents: /agent, admin: /admin). Ctrl-C stops all.")
        step(f"The city's page embedding the widget from another origin: {stack.city_origin}/")
        while True:
            stack.raise_if_exited()
            time.sleep(1)
    except KeyboardInterrupt:
        step("Stopping all services")
        stack.stop()
        return 0
