"""Training a model, and knowing whether the one there is current.

A training runs `rasa train` in a snapshot of the training inputs (config.yml, domain.yml, data/) in a
temporary folder, so edits made while it runs neither disturb it nor end up in a model unnoticed. The
model is written as `<models>/<name>.tar.gz` next to a fingerprint of the inputs it was trained from:
the command line trains only when no model matches the current inputs, and the administration trains
on demand (router/admin/jobs.py). Rasa's component cache stays in the project (`.rasa/cache`), where a
`rasa train` in the project itself would keep it, so a retraining reuses what did not change.

Incremental training (`rasa train --finetune BASE --epoch-fraction 0.25`) continues a trained model with
a quarter of the epochs. Rasa 3.6 allows it only when the configuration (but for "epochs"), the domain (but
for its responses) and the set of intents, entities and actions are those the base model was trained with
(rasa.graph_components.validators.finetuning_validator); the lookup tables are held fixed too, as the
RegexFeaturizer's patterns are. A model therefore carries a second stamp, the digest of exactly that
structure (`<model>.structure`): when the base model's stamp matches the project's, only examples, stories,
rules or response texts changed and finetuning is possible; otherwise the training is a full one.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from assistant import paths
from assistant.rasa_env import rasa_environment
from assistant.rasa_run import RasaProgress, RasaWroteNothing, run_rasa

FINGERPRINT_SUFFIX = ".fingerprint"
# Beside each model: when it was trained and a digest per input file and per intent, so the administration
# can say what changed since the model in service was trained (router/admin/lifecycle.py).
MANIFEST_SUFFIX = ".inputs.json"
# Administrators' Swedish names of the intents: kept with the training data but not trained from, so editing
# them does not make a model stale.
INTENT_DESCRIPTIONS = Path("data") / "intent_descriptions.yml"
STRUCTURE_SUFFIX = ".structure"
# The share of the configured epochs an incremental training runs (`--epoch-fraction`).
FINETUNE_EPOCH_FRACTION = 0.25
TRAIN_TIMEOUT_SECONDS = 3600
CACHE_DIR = Path(".rasa") / "cache"
# An entity annotation in an example: [text](entity), [text]{"entity": "name", ...}.
_ENTITY_ANNOTATION = re.compile(r'\]\((\w+)[:)]|\]\{"entity":\s*"(\w+)"')


def _input_files(project_root: Path) -> list[Path]:
    found = []
    for name in paths.TRAINING_INPUTS:
        target = project_root / name
        for file in sorted(target.rglob("*")) if target.is_dir() else [target]:
            if file.is_file() and file.relative_to(project_root) != INTENT_DESCRIPTIONS:
                found.append(file)
    return found


def training_fingerprint(project_root: Path = paths.ROOT) -> str:
    """A digest of every training input (names and contents) of the project at `project_root`."""
    digest = hashlib.sha256()
    for file in _input_files(project_root):
        digest.update(str(file.relative_to(project_root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _intent_digests(project_root: Path) -> dict[str, str]:
    """A digest of each intent's examples in data/ (an unreadable file counts as no intents)."""
    examples: dict[str, list[str]] = {}
    for file in _input_files(project_root):
        if file.suffix not in (".yml", ".yaml") or file.parts[-2:-1] == ("lookups",):
            continue
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for block in (data.get("nlu") if isinstance(data, dict) else None) or []:
            if isinstance(block, dict) and isinstance(block.get("intent"), str):
                examples.setdefault(block["intent"], []).append(str(block.get("examples") or ""))
    return {name: hashlib.sha256("\n".join(texts).encode()).hexdigest() for name, texts in examples.items()}


def inputs_manifest(project_root: Path = paths.ROOT) -> dict[str, Any]:
    """What a model is trained from, file by file and intent by intent (digests only)."""
    return {
        "fingerprint": training_fingerprint(project_root),
        "files": {str(f.relative_to(project_root)): hashlib.sha256(f.read_bytes()).hexdigest()
                  for f in _input_files(project_root)},
        "intents": _intent_digests(project_root),
    }


def manifest_file(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + MANIFEST_SUFFIX)


def read_manifest(model: Path) -> dict[str, Any] | None:
    """The manifest written beside `model` at training, or None (older models, unreadable file)."""
    try:
        data = json.loads(manifest_file(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def changes_since(manifest: dict[str, Any], project_root: Path = paths.ROOT) -> dict[str, list[str]]:
    """The input files and intents that differ between `manifest` and the project now (added, changed or
    removed), sorted."""
    now = inputs_manifest(project_root)

    def differing(key: str) -> list[str]:
        before, after = manifest.get(key) or {}, now[key]
        return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))

    return {"files": differing("files"), "intents": differing("intents")}
def _without_epochs(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_epochs(item) for key, item in value.items() if key != "epochs"}
    if isinstance(value, list):
        return [_without_epochs(item) for item in value]
    return value


def _nlu_labels(data_dir: Path) -> dict[str, list[str]]:
    """The intents, entities (with roles and groups) and lookup tables the NLU data names, sorted."""
    labels: dict[str, set[str]] = {"intent": set(), "lookup": set(), "synonym": set(), "regex": set()}
    entities: set[str] = set()
    tables: set[str] = set()  # lookup tables and regexes with their entries
    for file in sorted(data_dir.rglob("*.yml")):
        loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for item in loaded.get("nlu") or []:
            for kind in labels:
                if kind in item:
                    labels[kind].add(str(item[kind]))
            if "lookup" in item or "regex" in item:
                tables.add(json.dumps(item, sort_keys=True, ensure_ascii=False))
            examples = item.get("examples")
            if "intent" in item and isinstance(examples, str):
                for found in _ENTITY_ANNOTATION.finditer(examples):
                    entities.add(found.group(1) or found.group(2))
    named = {kind: sorted(names) for kind, names in labels.items()}
    return {**named, "entities": sorted(entities), "tables": sorted(tables)}


def structure_fingerprint(project_root: Path = paths.ROOT) -> str:
    """A digest of what incremental training must keep unchanged: the configuration without its epochs, the
    domain without its response texts, and the labels and lookup tables of the NLU data."""
    config = yaml.safe_load((project_root / "config.yml").read_text(encoding="utf-8")) or {}
    domain = yaml.safe_load((project_root / "domain.yml").read_text(encoding="utf-8")) or {}
    domain.pop("responses", None)
    structure = {
        "config": _without_epochs(config),
        "domain": domain,
        "nlu": _nlu_labels(project_root / "data"),
    }
    return hashlib.sha256(json.dumps(structure, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def structure_file(model: Path) -> Path:
    return model.with_name(model.name + STRUCTURE_SUFFIX)


def finetune_base(candidate: Path | None, project_root: Path = paths.ROOT) -> Path | None:
    """`candidate` (usually the model in service) when the project can be trained incrementally from it:
    it exists and was trained from the same structure as the project has now; else None (train fully)."""
    if candidate is None or not candidate.is_file():
        return None
    stamp = structure_file(candidate)
    if not stamp.exists() or stamp.read_text() != structure_fingerprint(project_root):
        return None
    return candidate


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
    finetune: Path | None = None, epoch_fraction: float = FINETUNE_EPOCH_FRACTION,
) -> Path:
    """Train `models_dir/<name>.tar.gz` from a snapshot of the project's training inputs, with its
    fingerprints beside it: fully, or incrementally from the model `finetune` (see `finetune_base`).
    `progress.stage` goes "snapshot" → "loading" → "training"."""
    progress.stage = "snapshot"
    models_dir.mkdir(parents=True, exist_ok=True)
    env = dict(env if env is not None else rasa_environment())
    env.setdefault("RASA_CACHE_DIRECTORY", str((project_root / CACHE_DIR).resolve()))
    started_at, started = datetime.now(timezone.utc), time.monotonic()
    with tempfile.TemporaryDirectory(prefix="assistant-train-") as folder:
        work = Path(folder)
        snapshot(project_root, work)
        fingerprint = training_fingerprint(work)
        manifest = inputs_manifest(work)
        structure = structure_fingerprint(work)
        command = [str(rasa_bin), "train", "--out", str(models_dir), "--fixed-model-name", name, "--force"]
        if finetune is not None:
            command += ["--finetune", str(finetune.resolve()), "--epoch-fraction", str(epoch_fraction)]
        progress.stage = "loading"
        await run_rasa(progress, command, work, env, timeout)
    model = models_dir / f"{name}.tar.gz"
    if not model.exists():
        raise RasaWroteNothing(model)
    fingerprint_file(model).write_text(fingerprint)
    manifest.update(started_at=started_at.isoformat(), seconds=round(time.monotonic() - started, 1))
    manifest_file(model).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    structure_file(model).write_text(structure)
    return model
