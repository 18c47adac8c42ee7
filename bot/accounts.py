"""`python -m bot agents add`: create a kommunvägledare or admin account in the router's database."""
from __future__ import annotations

import sys

from router.accounts import AccountError, create_agent
from router.core.config import Settings
from router.core.db import create_engine, create_session_maker, migrate


async def add_agent(username: str, password: str, display_name: str, role: str) -> int:
    settings = Settings.from_env()
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with create_session_maker(engine)() as session:
            agent = await create_agent(session, username, password, display_name, role)
    except AccountError as error:
        print(f"Could not create the account: {error}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(f"Created {agent.role} account {agent.username!r} ({agent.display_name})")
    return 0
