"""The records area from the command line (`python -m bot cases export`, `python -m bot retention run`),
and the router's log handlers masking personal data."""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

import router.__main__ as router_main
from bot.cli import main
from router.core.config import PROJECT_ROOT
from router.core.db import create_engine, create_session_maker, migrate
from router.models import Case, Conversation, Event, Message
from router.privacy.masking import MaskingFilter

OLD = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
WRITTEN = "Någon har klottrat på skolan <b>igen</b>, mitt nummer är 0701234567"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A router database with one old closed chat (HBG-2026-000001) and a newer open left message."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SETTINGS_DIR", str(PROJECT_ROOT / "settings"))
    monkeypatch.setenv("ROUTER_FIXED_NOW", "2029-01-01T12:00:00+01:00")

    async def fill() -> None:
        engine = create_engine(url)
        await migrate(engine)
        async with create_session_maker(engine)() as session:
            for conversation_id in ("a" * 32, "b" * 32):
                session.add(Conversation(id=conversation_id, token_hash="0" * 64, created_at=OLD, updated_at=OLD))
            await session.flush()
            session.add(Message(conversation_id="a" * 32, sender="resident", text=WRITTEN, created_at=OLD))
            session.add(Case(
                id=1, kind="chat", status="closed", category="Övrigt", reference="HBG-2026-000001",
                conversation_id="a" * 32, created_at=OLD, queued_at=OLD, closed_at=OLD,
            ))
            session.add(Case(
                id=2, kind="message", status="open", text="Ring mig", reference="HBG-2026-000002",
                conversation_id="b" * 32, created_at=OLD,
            ))
            await session.commit()
        await engine.dispose()

    asyncio.run(fill())
    return url


@pytest.mark.parametrize("fmt", ["json", "html", "pdf"])
def test_cases_export_writes_the_record(database, tmp_path, capsys, fmt) -> None:
    out = tmp_path / f"record.{fmt}"
    assert main(["cases", "export", "hbg-2026-000001", "--format", fmt, "--out", str(out)]) == 0
    assert "HBG-2026-000001" in capsys.readouterr().out
    if fmt == "json":
        record = json.loads(out.read_text(encoding="utf-8"))
        assert record["reference"] == "HBG-2026-000001" and record["transcript"][0]["text"] == WRITTEN
        assert record["exported_by"] is None and record["exported_at"].startswith("2029-01-01T12:00")
    elif fmt == "html":
        html = out.read_text(encoding="utf-8")
        assert '<html lang="sv">' in html and "&lt;b&gt;igen&lt;/b&gt;" in html
    else:
        assert out.read_bytes().startswith(b"%PDF") and b"HBG-2026-000001" in out.read_bytes()


def test_cases_export_of_a_conversation_and_of_nothing(database, tmp_path, capsys) -> None:
    out = tmp_path / "conversation.json"
    assert main(["cases", "export", "b" * 32, "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["reference"] == "HBG-2026-000002"

    async def audit() -> list[tuple]:
        engine = create_engine(database)
        async with create_session_maker(engine)() as session:
            events = (await session.exec(select(Event).where(Event.kind == "exported"))).all()
        await engine.dispose()
        return [(event.case_id, event.agent_id, event.data) for event in events]

    assert asyncio.run(audit()) == [(2, None, {"format": "json", "via": "command line"})]
    assert main(["cases", "export", "HBG-2026-999999", "--format", "json", "--out", str(out)]) == 2
    assert "inget ärende med nummer HBG-2026-999999" in capsys.readouterr().err
    assert main(["cases", "export", "HBG-2026-000001", "--out", str(tmp_path / "missing" / "x.pdf")]) == 2
    assert "Could not write" in capsys.readouterr().err


def test_retention_run_dry_run_then_for_real(database, tmp_path, capsys) -> None:
    assert main(["retention", "run", "--dry-run"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert preview["dry_run"] is True and preview["references"] == ["HBG-2026-000001"]
    assert main(["retention", "run", "--dry-run"]) == 0  # nothing was deleted
    assert json.loads(capsys.readouterr().out)["references"] == ["HBG-2026-000001"]
    assert main(["retention", "run"]) == 0
    output = capsys.readouterr().out
    done = json.loads(output)
    assert done["dry_run"] is False and done["records"] == {"bot_conversation": 0, "chat_case": 1, "left_message": 0}
    assert done["rows"]["messages"] == 1
    assert "klottrat" not in output
    assert main(["retention", "run"]) == 0
    assert json.loads(capsys.readouterr().out)["references"] == []
    assert main(["cases", "export", "HBG-2026-000001", "--out", str(tmp_path / "gone.pdf")]) == 2
    assert "HBG-2026-000001 gallrades 2029-01-01" in capsys.readouterr().err


def test_retention_run_refuses_bad_settings(database, tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "retention.yml").write_text(
        "retention_days:\n  bot_conversation: 0\n  chat_case: 1\n  left_message: 1\n"
        "schedule:\n  daily_at: \"02:30\"\n  timezone: Europe/Stockholm\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SETTINGS_DIR", str(tmp_path))
    assert main(["retention", "run"]) == 2
    assert "retention_days.bot_conversation" in capsys.readouterr().err


def test_router_masks_personal_data_in_its_log(monkeypatch, caplog) -> None:
    started = []
    monkeypatch.setattr(router_main.web, "run_app", lambda app, **kwargs: started.append(kwargs))
    monkeypatch.setattr(router_main, "create_app", lambda settings: object())
    root = logging.getLogger()
    before = {handler: list(handler.filters) for handler in root.handlers}
    level = root.level
    try:
        router_main.main()
        assert started
        assert all(any(isinstance(f, MaskingFilter) for f in handler.filters) for handler in root.handlers)
        logging.getLogger("router.test").warning("resident wrote 19811218-9876 and 0701234567")
        assert "[personnummer]" in caplog.text and "19811218-9876" not in caplog.text
        assert "0701234567" not in caplog.text
    finally:
        for handler in list(root.handlers):
            if handler in before:
                handler.filters[:] = before[handler]
            else:
                root.removeHandler(handler)
        root.setLevel(level)
