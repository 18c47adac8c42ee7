"""Held-out evaluations kept by (model, test set), under `<models>/.evaluations/`.

A deploy compares the new model with the one in service; the one in service was evaluated when it was
trained, on the same test set, so evaluating it again only costs the administrator a few minutes of
waiting. A result is keyed by the digest of the model file and the digest of everything its figures depend
on besides the model: the held-out set, the emergency cases and the safety net's code (its recall is part
of the figures). A changed test set or safety net therefore misses the cache, and a model evaluated under
the administration's database of another machine or after a reset is still found."""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant import paths

CACHE_DIR = ".evaluations"
# What the figures depend on besides the model.
TEST_SET = (paths.TEST_NLU, paths.EMERGENCY_CASES, paths.ROOT / "assistant" / "safety.py")


def _digest(files: Iterable[Path]) -> str:
    """The files' contents in order (not their names: a model is the same model under another name)."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.stat().st_size}:".encode())
        with file.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def cache_file(models_dir: Path, model: Path, test_set: Iterable[Path] = TEST_SET) -> Path:
    return models_dir / CACHE_DIR / f"{_digest([model])[:32]}-{_digest(test_set)[:32]}.json"


def cached_evaluation(models_dir: Path, model: Path, test_set: Iterable[Path] = TEST_SET) -> dict[str, Any] | None:
    """The figures stored for this model and test set, or None."""
    file = cache_file(models_dir, model, test_set)
    try:
        loaded = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def store_evaluation(
    models_dir: Path, model: Path, scores: dict[str, Any], test_set: Iterable[Path] = TEST_SET
) -> None:
    """Keep `scores` for this model and test set (written whole or not at all)."""
    file = cache_file(models_dir, model, test_set)
    file.parent.mkdir(parents=True, exist_ok=True)
    staged = file.with_name(f".{file.name}.{os.getpid()}")
    staged.write_text(json.dumps(scores, ensure_ascii=False), encoding="utf-8")
    os.replace(staged, file)
