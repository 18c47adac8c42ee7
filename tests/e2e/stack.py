"""The whole system (real Rasa, real action server, real router) on free local ports, for e2e tests."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from pathlib import Path

from bot.services import Ports, Stack
from bot.setup_env import setup
from bot.training import train
from router.handoff.accounts import create_agent
from router.core.db import create_engine, create_session_maker, migrate

# Monday 30 November 2026, 10:00 in Stockholm: the contact center is open.
OPEN_MONDAY = "2026-11-30T10:00:00+01:00"
AGENT_PASSWORD = "e2e-password-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _create_accounts(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    async with create_session_maker(engine)() as session:
        await create_agent(session, "anna", AGENT_PASSWORD, "Anna", "agent")
        await create_agent(session, "admin", AGENT_PASSWORD, "Admin", "admin")
    await engine.dispose()


@dataclass
class RunningStack:
    stack: Stack
    base_url: str
    log_dir: Path

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-4000:]}" for path in self.log_dir.glob("*.log")
        )


def start_stack(
    workdir: Path, now: str = OPEN_MONDAY, extra_env: dict[str, str] | None = None, timeout: float = 180.0
) -> RunningStack:
    setup()
    model = train()
    database_url = f"sqlite+aiosqlite:///{workdir / 'router.db'}"
    asyncio.run(_create_accounts(database_url))
    ports = Ports(router=free_port(), rasa=free_port(), actions=free_port())
    env = {
        "DATABASE_URL": database_url,
        "RASA_TRACKER_DB": str(workdir / "rasa-tracker.db"),
        "ROUTER_FIXED_NOW": now,
        "RATE_LIMIT_ADDRESS": "100000",
        "RATE_LIMIT_CONVERSATION": "1000",
        **(extra_env or {}),
    }
    stack = Stack(model=model, ports=ports, router_host="127.0.0.1", extra_env=env, log_dir=workdir / "logs")
    stack.start(timeout)
    return RunningStack(stack=stack, base_url=f"http://127.0.0.1:{ports.router}", log_dir=workdir / "logs")
