"""Held-out macro-F1 and NLU training time against DIET epochs, to choose the cheapest training
configuration that stays within 0.005 of the best F1 (issue 14, item 6).

For each epoch count the script copies config.yml with only `DIETClassifier.epochs` changed, trains an
NLU-only model (`rasa train nlu`, the part that depends on the epochs) into a temporary folder, evaluates it on
tests/nlu/test_nlu.yml and prints one table row. The training data and the test set are snapshotted once at
the start, so editing them meanwhile changes nothing. Runs one training at a time, from the project root:

    .venv/bin/python bench/training_epochs.py [--epochs 40 60 100] [--layers N] [--split-seed S] [--keep DIR]
    .venv/bin/python bench/training_epochs.py --variants bench/nlu_variants.yml [--split-seed S]

`--layers N` sets DIET's `number_of_transformer_layers` too (0: no transformer, a much cheaper model).
`--variants FILE` measures other settings instead of epochs: FILE maps a row's name to the components it
changes (`{ComponentName: {setting: value}}`; a component not in config.yml is added, a featurizer before
DIET and a classifier after it; a list under `CountVectorsFeaturizer` is matched to the featurizers in their
order); `{}` is config.yml as it is.
`--split-seed S` measures generalisation instead of the held-out set: `rasa data split nlu` (seed S) keeps
80 % of data/nlu for training and tests on the other 20 % — one fold of a cross-validation, the same fold
for every row, at a fifth of a 5-fold run's cost.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import paths  # noqa: E402
from assistant.rasa_env import rasa_environment  # noqa: E402

DIET = "DIETClassifier"


def config_with_epochs(epochs: int, layers: int | None = None) -> dict:
    changes: dict[str, Any] = {"epochs": epochs}
    if layers is not None:
        changes["number_of_transformer_layers"] = layers
    return config_with({DIET: changes})


def config_with(changes: dict[str, Any]) -> dict:
    """config.yml with each named component's settings changed (see --variants)."""
    config = yaml.safe_load((paths.ROOT / "config.yml").read_text())
    pipeline = config["pipeline"]
    if len([component for component in pipeline if component["name"] == DIET]) != 1:
        raise SystemExit(f"config.yml must have exactly one {DIET}")
    for name, settings in changes.items():
        present = [component for component in pipeline if component["name"] == name]
        wanted = settings if isinstance(settings, list) else [settings]
        for index, setting in enumerate(wanted):
            if index < len(present):
                present[index].update(setting)
            else:  # a featurizer goes before DIET, a classifier after it (the last intent classifier decides)
                diet_at = next(i for i, component in enumerate(pipeline) if component["name"] == DIET)
                pipeline.insert(diet_at + (0 if name.endswith("Featurizer") else 1), {"name": name, **setting})
    return config


def run_rasa(args: list[str]) -> None:
    subprocess.run(
        [str(paths.RASA_BIN), *args], cwd=paths.ROOT, env=rasa_environment(), check=True,
        stdout=subprocess.DEVNULL,
    )


def measure(name: str, settings: dict, work: Path) -> tuple[float, float]:
    """(training seconds, macro-F1 on work/test_nlu.yml) for one configuration, trained on work/nlu."""
    config = work / f"config-{name}.yml"
    config.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False))
    models = work / f"models-{name}"
    started = time.monotonic()
    run_rasa(["train", "nlu", "--config", str(config), "--nlu", str(work / "nlu"), "--out", str(models)])
    seconds = time.monotonic() - started
    model = next(models.glob("*.tar.gz"))
    out = work / f"results-{name}"
    run_rasa(["test", "nlu", "--nlu", str(work / "test_nlu.yml"), "--model", str(model), "--out", str(out)])
    report = json.loads((out / "intent_report.json").read_text())
    return seconds, report["macro avg"]["f1-score"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[40, 60, 100])
    parser.add_argument("--layers", type=int, help="DIET's number_of_transformer_layers (default: config.yml's)")
    parser.add_argument("--split-seed", type=int, help="test on 20 %% of data/nlu split off with this seed")
    parser.add_argument("--variants", type=Path, help="YAML: row name -> component settings (instead of --epochs)")
    parser.add_argument("--keep", type=Path, help="copy the trained NLU models here (models-<row>/)")
    args = parser.parse_args()
    tested = "held-out" if args.split_seed is None else f"20 % split (seed {args.split_seed})"
    if args.variants:
        variants = yaml.safe_load(args.variants.read_text())
        rows = {name: config_with(changes or {}) for name, changes in variants.items()}
        print(f"| configuration | NLU training (s) | {tested} macro-F1 |")
        print("|---|---:|---:|")
    else:
        rows = {str(epochs): config_with_epochs(epochs, args.layers) for epochs in args.epochs}
        layers = "" if args.layers is None else f", {args.layers} transformer layers"
        print(f"| DIET epochs{layers} | NLU training (s) | {tested} macro-F1 |")
        print("|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="epochs-") as tmp:
        work = Path(tmp)
        if args.split_seed is None:
            shutil.copytree(paths.ROOT / "data" / "nlu", work / "nlu")
            shutil.copy(paths.TEST_NLU, work / "test_nlu.yml")
        else:
            run_rasa(["data", "split", "nlu", "--nlu", "data/nlu", "--training-fraction", "0.8",
                      "--random-seed", str(args.split_seed), "--out", str(work / "split")])
            (work / "nlu").mkdir()
            shutil.move(work / "split" / "training_data.yml", work / "nlu" / "training_data.yml")
            shutil.move(work / "split" / "test_data.yml", work / "test_nlu.yml")
        for name, settings in rows.items():
            seconds, f1 = measure(name, settings, work)
            print(f"| {name} | {seconds:.0f} | {f1:.3f} |", flush=True)
            if args.keep:
                shutil.copytree(work / f"models-{name}", args.keep / f"models-{name}", dirs_exist_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
