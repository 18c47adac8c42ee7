"""Group commit (router/core/group_commit.py): messages that arrive together share one commit, each caller
returns only once its rows are committed, and a bad row fails only its own caller. On SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from router.core.db import create_engine, create_session_maker, migrate
from router.core.group_commit import GroupCommit
from router.models import AGENT_SENDER, RESIDENT, Conversation, Message
from router.transcript import new_message
from tests.router.constants import MONDAY_10

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, migrated_database: Path, tmp_path: Path) -> str:
    """A copy of the migrated SQLite file, or a fresh PostgreSQL database (migrated by `_engine`)."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_database")
    path = tmp_path / "router.db"
    shutil.copy(migrated_database, path)
    return f"sqlite+aiosqlite:///{path}"


async def _engine(url: str):
    engine = create_engine(url)
    await migrate(engine)
    return engine


async def _conversation(maker) -> str:
    conversation = Conversation(
        id=uuid.uuid4().hex, token_hash="x", state="agent", created_at=MONDAY_10, updated_at=MONDAY_10
    )
    async with maker() as session:
        session.add(conversation)
        await session.commit()
    return conversation.id


async def test_messages_arriving_together_share_commits_and_are_stored_when_store_returns(database_url: str) -> None:
    engine = await _engine(database_url)
    maker = create_session_maker(engine)
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda connection: commits.append(1))
    writer = GroupCommit(maker)
    try:
        conversation_id = await _conversation(maker)
        commits.clear()
        messages = [
            new_message(conversation_id, RESIDENT if n % 2 else AGENT_SENDER, f"meddelande {n}", MONDAY_10)
            for n in range(30)
        ]

        async def store_and_look(message: Message) -> int:
            await writer.store([message])
            # Read on another connection the moment store returns: the row is committed, not only flushed.
            async with engine.connect() as connection:
                found = select(func.count()).select_from(Message).where(Message.id == message.id)
                return (await connection.execute(found)).scalar_one()

        assert await asyncio.gather(*(store_and_look(message) for message in messages)) == [1] * 30
        assert len({message.id for message in messages}) == 30 and None not in {m.id for m in messages}
        assert 1 <= len(commits) < 30
        async with maker() as session:
            stored = (await session.exec(select(Message.text).order_by(Message.id))).all()
        assert stored == [f"meddelande {n}" for n in range(30)]
    finally:
        await writer.close()
        await engine.dispose()


async def test_a_bad_row_fails_only_its_own_caller(database_url: str) -> None:
    engine = await _engine(database_url)
    maker = create_session_maker(engine)
    writer = GroupCommit(maker)
    try:
        conversation_id = await _conversation(maker)
        good = [new_message(conversation_id, RESIDENT, f"bra {n}", MONDAY_10) for n in range(5)]
        orphan = new_message("no-such-conversation", RESIDENT, "föräldralös", MONDAY_10)
        outcomes = await asyncio.gather(
            *(writer.store([message]) for message in good[:2]),
            writer.store([orphan]),
            *(writer.store([message]) for message in good[2:]),
            return_exceptions=True,
        )
        assert [type(outcome) for outcome in outcomes] == [type(None)] * 2 + [IntegrityError] + [type(None)] * 3
        async with maker() as session:
            stored = (await session.exec(select(Message.text).order_by(Message.id))).all()
        assert sorted(stored) == sorted(f"bra {n}" for n in range(5))
    finally:
        await writer.close()
        await engine.dispose()
