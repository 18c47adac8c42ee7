"""Train a Rasa model when none exists or the training data changed since the last one."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from bot import paths
from bot.console import step
from bot.rasa_env import rasa_environment

FINGERPRINT_SUFFIX = ".fingerprint"


def training_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in paths.TRAINING_INPUTS:
        target = paths.ROOT / name
        files = sorted(target.rglob("*")) if target.is_dir() else [target]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(paths.ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def latest_model() -> Path | None:
    models = sorted(paths.MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def current_model() -> Path | None:
    """The newest model trained from exactly the current training data, if any."""
    fingerprint = training_fingerprint()
    for model in sorted(paths.MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True):
        stamp = model.with_name(model.name + FINGERPRINT_SUFFIX)
        if stamp.exists() and stamp.read_text() == fingerprint:
            return model
    return None


def in_service_model() -> Path | None:
    """The model the administration last deployed (`models/in-service`, router/admin/lifecycle.py)."""
    link = paths.MODELS / paths.IN_SERVICE
    target = link.resolve() if link.is_symlink() else None
    return target if target is not None and target.is_file() else None


def train(force: bool = False, out: Path | None = None) -> Path:
    out = out or paths.MODELS
    if not force and out == paths.MODELS:
        existing = current_model()
        if existing:
            step(f"Model is up to date: {existing.name}")
            return existing
    fingerprint = training_fingerprint()
    step("Training the Rasa model (a few minutes on 2 cores)")
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob("*.tar.gz"))
    subprocess.run(
        [str(paths.RASA_BIN), "train", "--out", str(out), "--force"],
        cwd=paths.ROOT,
        env=rasa_environment(),
        check=True,
    )
    new = sorted(set(out.glob("*.tar.gz")) - before, key=lambda p: p.stat().st_mtime)
    if not new:
        raise SystemExit("Rasa finished without writing a model")
    model = new[-1]
    model.with_name(model.name + FINGERPRINT_SUFFIX).write_text(fingerprint)
    step(f"Trained {model.name} ({model.stat().st_size / 1e6:.1f} MB)")
    return model


def validate() -> int:
    step("Validating training data (rasa data validate --fail-on-warnings)")
    return subprocess.run(
        [str(paths.RASA_BIN), "data", "validate", "--fail-on-warnings"],
        cwd=paths.ROOT,
        env=rasa_environment(),
    ).returncode
