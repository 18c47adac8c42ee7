"""`python -m bot admin …`: the same services as /admin, over the database in DATABASE_URL."""
from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from bot.admin import admin_services
from bot.cli import main
from router.admin.models import AuditEntry, Review
from router.core.db import create_engine, create_session_maker
from router.errors import Conflict
from router.models import RESIDENT, Conversation, Message
from tests.router.admin_fixtures import FakeModelServer
from tests.router.constants import RASA_TOKEN

NOW = datetime.now(timezone.utc)


@pytest.fixture
def database(migrated_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "router.db"
    shutil.copy(migrated_database, path)
    url = f"sqlite+aiosqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("ROUTER_URL", "http://127.0.0.1:9")  # deploys go through the router: must fail cleanly
    project = tmp_path / "project"
    project.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(Path(__file__).resolve().parents[2] / name, project / name)
    shutil.copytree(Path(__file__).resolve().parents[2] / "data", project / "data")
    monkeypatch.setenv("ADMIN_PROJECT_DIR", str(project))
    return url


def _run(coroutine):
    return asyncio.run(coroutine)


async def _with_session(url: str, work):
    engine = create_engine(url)
    try:
        async with create_session_maker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def _message(url: str, text: str, intent: str, confidence: float) -> int:
    async def add(session) -> int:
        session.add(Conversation(id="cli1", token_hash="x" * 64, created_at=NOW, updated_at=NOW))
        await session.flush()
        message = Message(conversation_id="cli1", sender=RESIDENT, text=text, intent=intent,
                          intent_confidence=confidence, created_at=NOW)
        session.add(message)
        await session.commit()
        return message.id

    return _run(_with_session(url, add))


def test_inbox_dismiss_and_audit(database, capsys):
    message_id = _message(database, "mitt nummer är 070-123 45 67 blä", "nlu_fallback", 0.5)
    assert main(["admin", "inbox"]) == 0
    out = capsys.readouterr().out
    assert "mitt nummer är [telefonnummer] blä" in out and "070-123" not in out and "1 message(s)" in out
    assert main(["admin", "--as", "kim", "annotate", str(message_id), "--dismiss"]) == 0
    assert main(["admin", "inbox", "--reason", "fallback"]) == 0
    assert "0 message(s)" in capsys.readouterr().out

    async def stored(session):
        reviews = (await session.exec(select(Review))).all()
        audit = (await session.exec(select(AuditEntry))).all()
        return [(r.message_id, r.outcome) for r in reviews], [(a.actor, a.action) for a in audit]

    assert _run(_with_session(database, stored)) == ([(message_id, "dismissed")], [("cli:kim", "annotate")])
    assert main(["admin", "audit"]) == 0
    assert "cli:kim" in capsys.readouterr().out


def test_refusals_exit_with_2_and_say_why(database, capsys):
    message_id = _message(database, "något oklart", "nlu_fallback", 0.5)
    assert main(["admin", "annotate", str(message_id), "--intent", "no_such_intent"]) == 2
    assert "finns inte i domain.yml" in capsys.readouterr().err
    assert main(["admin", "annotate", "999999", "--dismiss"]) == 2
    assert "Meddelandet finns inte" in capsys.readouterr().err
    assert main(["admin", "deploy", "999999"]) == 2
    assert main(["admin", "rollback", "999999"]) == 2
    assert capsys.readouterr().err.count("http://127.0.0.1:9 did not answer") == 2
    assert main(["admin", "evaluate", "--cross-validation", "1"]) == 2
    with pytest.raises(SystemExit):
        main(["admin", "annotate", str(message_id)])  # one of --intent, --out-of-scope, --dismiss


@pytest.mark.asyncio
async def test_the_cli_asks_the_main_rasa_what_serves_and_leaves_deploys_to_the_router(
    database, tmp_path, monkeypatch, aiohttp_server
):
    models = tmp_path / "project" / "models"
    models.mkdir()
    (models / "old.tar.gz").write_bytes(b"old")
    (models / "new.tar.gz").write_bytes(b"new")
    rasa = FakeModelServer(serving=str(models / "old.tar.gz"))
    server = await aiohttp_server(rasa.app(), host="127.0.0.1")
    monkeypatch.setenv("RASA_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setenv("RASA_TOKEN", RASA_TOKEN)
    async with admin_services() as services:
        listed = {model["name"]: model for model in await services.lifecycle.models()}
        assert {name: model["serving"] for name, model in listed.items()} == {"old.tar.gz": True, "new.tar.gz": False}
        with pytest.raises(Conflict) as refused:
            await services.lifecycle.deploy(listed["new.tar.gz"]["id"], "cli:kim", "tested by hand, good enough")
    assert refused.value.code == "deploy_in_router" and rasa.loads == []
