"""The in-service model link: `models/in-service` points at the model the administration deployed last,
so a restarted Rasa serves it again (`python -m bot run` and the systemd unit in docs/deploy.md start Rasa
with it). Written by a deploy (router/admin/lifecycle.py), read when the stack starts (bot/cli.py)."""
from __future__ import annotations

import os
from pathlib import Path

from assistant import paths

IN_SERVICE = "in-service"


def mark_in_service(models_dir: Path, model: Path) -> None:
    """Point the link at `model`, atomically: a restart at any moment finds the old model or the new one."""
    link = models_dir / IN_SERVICE
    staged = models_dir / f".{IN_SERVICE}.{os.getpid()}"
    staged.unlink(missing_ok=True)
    staged.symlink_to(model.resolve())
    os.replace(staged, link)


def in_service_model(models_dir: Path = paths.MODELS) -> Path | None:
    """The model the link points at, if the link and the model both exist."""
    link = models_dir / IN_SERVICE
    target = link.resolve() if link.is_symlink() else None
    return target if target is not None and target.is_file() else None
