"""Training a model, and knowing whether the one there is current.

A training runs `rasa train` in a snapshot of the training inputs (config.yml, domain.yml, data/) in a
temporary folder, so edits made while it runs neither disturb it nor end up in a model unnoticed. The
model is written as `<models>/<name>.tar.gz` next to a fingerprint of the inputs it was trained from:
the command line trains only when no model matches the current inputs, and the administration trains
on demand (router/admin/jobs.py). Rasa's component cache stays in the project (`.rasa/cache`), where a
`rasa train` in the project itself would keep it, so a retraining reuses what did not change.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from assistant import paths
from assistant.rasa_env import rasa_environment
from assistant.rasa_run import RasaProgress, RasaWroteNothing, run_rasa

FINGERPRINT_SUFFIX = ".fingerprint"
TRAIN_TIMEOUT_SECONDS = 3600
CACHE_DIR = Path(".rasa") / "cache"


def training_fingerprint(project_root: Path = paths.ROOT) -> str:
    """A digest of every training input (names and contents) of the project at `project_root`."""
    digest = hashlib.sha256()
    for name in paths.TRAINING_INPUTS:
        target = project_root / name
        files = sorted(target.rglob("*")) if target.is_dir() else [target]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(project_root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def _newest_first(models_dir: Path) -> list[Path]:
    return sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)


def latest_model(models_dir: Path = paths.MODELS) -> Path | None:
    models = _newest_first(models_dir)
    return models[0] if models else None


def fingerprint_file(model: Path) -> Path:
    return model.with_name(model.name + FINGERPRINT_SUFFIX)


def current_model(project_root: Path = paths.ROOT, models_dir: Path = paths.MODELS) -> Path | None:
    """The newest model trained from exactly the current training inputs, if any."""
    fingerprint = training_fingerprint(project_root)
    for model in _newest_first(models_dir):
        stamp = fingerprint_file(model)
        if stamp.exists() and stamp.read_text() == fingerprint:
            return model
    return None


def snapshot(project_root: Path, target: Path) -> None:
    """Copy what a model is trained from into `target`; the spaCy model is linked, not copied."""
    for name in paths.TRAINING_INPUTS:
        source = project_root / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    spacy = project_root / paths.SPACY_DIR
    if spacy.exists():
        (target / paths.SPACY_DIR).symlink_to(spacy.resolve(), target_is_directory=True)


async def train(
    progress: RasaProgress, project_root: Path, models_dir: Path, name: str, *,
    rasa_bin: Path = paths.RASA_BIN, env: dict[str, str] | None = None, timeout: float = TRAIN_TIMEOUT_SECONDS,
) -> Path:
    """Train `models_dir/<name>.tar.gz` from a snapshot of the project's training inputs, with its
    fingerprint beside it. `progress.stage` goes "snapshot" → "loading" → "training"."""
    progress.stage = "snapshot"
    models_dir.mkdir(parents=True, exist_ok=True)
    env = dict(env if env is not None else rasa_environment())
    env.setdefault("RASA_CACHE_DIRECTORY", str((project_root / CACHE_DIR).resolve()))
    with tempfile.TemporaryDirectory(prefix="assistant-train-") as folder:
        work = Path(folder)
        snapshot(project_root, work)
        fingerprint = training_fingerprint(work)
        progress.stage = "loading"
        await run_rasa(
            progress,
            [str(rasa_bin), "train", "--out", str(models_dir), "--fixed-model-name", name, "--force"],
            work, env, timeout,
        )
    model = models_dir / f"{name}.tar.gz"
    if not model.exists():
        raise RasaWroteNothing(model)
    fingerprint_file(model).write_text(fingerprint)
    return model
