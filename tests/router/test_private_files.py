"""What holds residents' words or secrets is readable by the service account only: `.env` from its first
byte, `var/`, the router's database and Rasa's tracker, and whatever the processes the project starts create."""
from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import paths
from assistant.private_files import close_readable, private_dir, write_new_private_file
from bot import services, setup_env
from bot.cli import main as cli_main
from router.core.db import create_engine, migrate

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask a shell could hand the project: nothing is private unless the code makes it so."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_env_file_is_private_from_its_first_byte(tmp_path, monkeypatch, open_umask):
    example = tmp_path / ".env.example"
    example.write_text("RASA_TOKEN=\nINTERNAL_SECRET=\nROUTER_PORT=8080\n")
    env_file = tmp_path / ".env"
    monkeypatch.setattr(paths, "ENV_EXAMPLE", example)
    monkeypatch.setattr(paths, "ENV_FILE", env_file)
    # No chmod after the fact: what the file is created with is what it keeps.
    monkeypatch.setattr(Path, "chmod", lambda *args, **kwargs: None)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)

    setup_env.ensure_env_file()

    assert mode(env_file) == 0o600
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert len(values["RASA_TOKEN"]) >= 32 and len(values["INTERNAL_SECRET"]) >= 32


def test_a_private_file_is_never_written_over(tmp_path):
    existing = tmp_path / ".env"
    existing.write_text("RASA_TOKEN=kept\n")
    with pytest.raises(FileExistsError):
        write_new_private_file(existing, "RASA_TOKEN=new\n")
    assert existing.read_text() == "RASA_TOKEN=kept\n"


def test_var_and_the_databases_left_readable_are_closed(tmp_path, monkeypatch, open_umask):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    for name in ("router.db", "router.db-wal", "rasa-tracker.db", "rasa-tracker.db-shm"):
        (var / name).write_text("residents' words")
        (var / name).chmod(0o644)
    monkeypatch.setattr(paths, "VAR", var)
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    stack = services.Stack(model=tmp_path / "model.tar.gz")

    stack.keep_var_private({"RASA_TRACKER_DIALECT": "sqlite", "RASA_TRACKER_DB": "var/rasa-tracker.db"})

    assert mode(var) == 0o700
    assert {name.name: mode(name) for name in var.iterdir()} == {
        "router.db": 0o600, "router.db-wal": 0o600, "rasa-tracker.db": 0o600, "rasa-tracker.db-shm": 0o600,
    }


def test_every_service_the_stack_starts_creates_private_files(tmp_path, open_umask):
    stack = services.Stack(model=tmp_path / "model.tar.gz", log_dir=tmp_path / "logs")
    created = tmp_path / "created-by-the-child"
    stack._spawn("probe", [sys.executable, "-c", f"open({str(created)!r}, 'w').write('x')"])
    assert stack.processes["probe"].wait(timeout=30) == 0

    assert mode(created) == 0o600
    assert mode(tmp_path / "logs") == 0o700
    assert mode(tmp_path / "logs" / "probe.log") == 0o600


@pytest.mark.asyncio
async def test_a_router_database_is_created_private_and_an_old_one_is_closed(tmp_path, open_umask):
    fresh = tmp_path / "new-folder" / "router.db"
    engine = create_engine(f"sqlite+aiosqlite:///{fresh}")
    await engine.dispose()
    assert mode(fresh.parent) == 0o700

    old = tmp_path / "old.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{old}")
    await migrate(engine)
    await engine.dispose()
    assert mode(old) == 0o600


def test_close_readable_skips_missing_files(tmp_path):
    close_readable(tmp_path / "missing.db")
    private_dir(tmp_path / "a" / "b")
    assert mode(tmp_path / "a" / "b") == 0o700


def test_the_command_line_creates_private_files(tmp_path, monkeypatch, open_umask):
    database = tmp_path / "fresh.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("REDIS_URL", "")

    assert cli_main(["agents", "list"]) == 0

    created = [path for path in tmp_path.iterdir() if path.name.startswith("fresh.db")]
    assert database in created
    assert {path.name: mode(path) for path in created} == {path.name: 0o600 for path in created}
