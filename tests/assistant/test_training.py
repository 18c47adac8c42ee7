"""Training: a snapshot of the training inputs, the named model with its fingerprint, which model is
current, and failures that leave the project as it was."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.rasa_run import RasaExited, RasaProgress, RasaWroteNothing
from assistant.training import (
    current_model,
    finetune_base,
    latest_model,
    snapshot,
    structure_file,
    structure_fingerprint,
    train,
    training_fingerprint,
)

# `rasa train --out MODELS --fixed-model-name NAME --force`: $3 is the models folder, $5 the name.
WRITES_MODEL = 'test -f config.yml && test -f domain.yml && test -f data/nlu/basics.yml && echo "$RASA_CACHE_DIRECTORY" > "$3/$5.tar.gz"\n'


def files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_snapshot_copies_the_inputs_and_links_the_spacy_model(tmp_path: Path, tiny_project: Path):
    (tiny_project / ".spacy" / "sv_lookup").mkdir(parents=True)
    (tiny_project / "models").mkdir()
    target = tmp_path / "work"
    target.mkdir()
    snapshot(tiny_project, target)
    assert (target / ".spacy").is_symlink() and (target / ".spacy").resolve() == (tiny_project / ".spacy").resolve()
    assert sorted(p.name for p in target.iterdir()) == [".spacy", "config.yml", "data", "domain.yml"]
    assert (target / "data" / "nlu" / "basics.yml").read_text() == "nlu: []\n"


def test_the_fingerprint_follows_every_input_and_nothing_else(tiny_project: Path):
    before = training_fingerprint(tiny_project)
    (tiny_project / "models").mkdir()
    (tiny_project / "models" / "x.tar.gz").write_bytes(b"model")
    assert training_fingerprint(tiny_project) == before
    for name in ("config.yml", "domain.yml", "data/nlu/basics.yml"):
        original = (tiny_project / name).read_text()
        (tiny_project / name).write_text(original + "# changed\n")
        assert training_fingerprint(tiny_project) != before, name
        (tiny_project / name).write_text(original)
    (tiny_project / "data" / "nlu" / "more.yml").write_text("nlu: []\n")
    assert training_fingerprint(tiny_project) != before


@pytest.mark.asyncio
async def test_training_writes_the_named_model_which_is_current_until_the_data_changes(tiny_project: Path, fake_rasa):
    models = tiny_project / "models"
    progress = RasaProgress()
    model = await train(progress, tiny_project, models, "first", rasa_bin=fake_rasa(WRITES_MODEL), env=dict(os.environ))
    assert model == models / "first.tar.gz" and progress.stage == "loading"
    # Rasa's component cache stays in the project, as a `rasa train` there would keep it.
    assert model.read_text().strip() == str((tiny_project / ".rasa" / "cache").resolve())
    assert current_model(tiny_project, models) == model == latest_model(models)
    (tiny_project / "data" / "nlu" / "basics.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - hej\n")
    assert current_model(tiny_project, models) is None
    assert latest_model(models) == model


def test_a_model_without_a_fingerprint_is_never_current(tiny_project: Path):
    models = tiny_project / "models"
    models.mkdir()
    (models / "old.tar.gz").write_bytes(b"trained before fingerprints")
    assert current_model(tiny_project, models) is None
    assert latest_model(models) == models / "old.tar.gz"
    assert latest_model(tiny_project / "nowhere") is None


@pytest.mark.asyncio
async def test_a_failed_training_leaves_the_project_and_models_as_they_were(tiny_project: Path, fake_rasa):
    models = tiny_project / "models"
    models.mkdir()
    (models / "serving.tar.gz").write_bytes(b"old")
    before = files(tiny_project)
    # A training that writes rubbish into its working folder and then fails.
    script = fake_rasa("echo broken > data/nlu/basics.yml\necho 'Epochs: 50%| | 5/10'\necho 'Killed' >&2\nexit 137\n")
    with pytest.raises(RasaExited) as failure:
        await train(RasaProgress(), tiny_project, models, "new", rasa_bin=script, env=dict(os.environ))
    assert failure.value.returncode == 137 and "Killed" in failure.value.tail
    assert files(tiny_project) == before


@pytest.mark.asyncio
async def test_a_training_that_writes_no_model_fails(tiny_project: Path, fake_rasa):
    with pytest.raises(RasaWroteNothing) as failure:
        await train(RasaProgress(), tiny_project, tiny_project / "models", "x", rasa_bin=fake_rasa("echo done\n"),
                    env=dict(os.environ))
    assert failure.value.expected == tiny_project / "models" / "x.tar.gz"
    assert list((tiny_project / "models").iterdir()) == []


# `rasa train … --force --finetune BASE --epoch-fraction F`: $7 is --finetune, $8 the base, $10 the fraction.
WRITES_FINETUNED_MODEL = 'echo "$6 $7 $8 $9 ${10}" > "$3/$5.tar.gz"\n'


@pytest.mark.asyncio
async def test_incremental_training_continues_the_base_model_with_a_quarter_of_the_epochs(tiny_project: Path, fake_rasa):
    models = tiny_project / "models"
    base = await train(RasaProgress(), tiny_project, models, "base", rasa_bin=fake_rasa(WRITES_MODEL), env=dict(os.environ))
    (tiny_project / "data" / "nlu" / "basics.yml").write_text("nlu: []\n# one more example\n")
    assert finetune_base(base, tiny_project) == base
    model = await train(
        RasaProgress(), tiny_project, models, "next", rasa_bin=fake_rasa(WRITES_FINETUNED_MODEL), env=dict(os.environ),
        finetune=base,
    )
    assert model.read_text().split() == ["--force", "--finetune", str(base.resolve()), "--epoch-fraction", "0.25"]
    assert structure_file(model).read_text() == structure_file(base).read_text()


def test_examples_and_response_texts_keep_the_structure_the_rest_changes_it(tiny_project: Path):
    domain = tiny_project / "domain.yml"
    domain.write_text("version: '3.1'\nintents: [greet]\nresponses:\n  utter_greet:\n  - text: Hej!\n")
    nlu = tiny_project / "data" / "nlu" / "basics.yml"
    nlu.write_text("nlu:\n- intent: greet\n  examples: |\n    - hej\n")
    config = tiny_project / "config.yml"
    config.write_text("language: sv\npipeline:\n- name: DIETClassifier\n  epochs: 40\n")
    before = structure_fingerprint(tiny_project)

    nlu.write_text("nlu:\n- intent: greet\n  examples: |\n    - hej\n    - hejsan\n")
    domain.write_text("version: '3.1'\nintents: [greet]\nresponses:\n  utter_greet:\n  - text: Hej hej!\n")
    config.write_text("language: sv\npipeline:\n- name: DIETClassifier\n  epochs: 20\n")
    assert structure_fingerprint(tiny_project) == before

    for file, changed in [
        (nlu, "nlu:\n- intent: greet\n  examples: |\n    - hej\n- intent: thank\n  examples: |\n    - tack\n"),
        (nlu, "nlu:\n- intent: greet\n  examples: |\n    - hej [Anna](name)\n"),
        (domain, "version: '3.1'\nintents: [greet, thank]\n"),
        (config, "language: sv\npipeline:\n- name: DIETClassifier\n  epochs: 40\n  constrain_similarities: true\n"),
    ]:
        original = file.read_text()
        file.write_text(changed)
        assert structure_fingerprint(tiny_project) != before, changed
        file.write_text(original)


def test_no_incremental_training_from_a_model_without_the_same_structure(tiny_project: Path, tmp_path: Path):
    assert finetune_base(None, tiny_project) is None
    model = tmp_path / "old.tar.gz"
    assert finetune_base(model, tiny_project) is None  # missing
    model.write_bytes(b"model")
    assert finetune_base(model, tiny_project) is None  # trained before models carried a structure stamp
    structure_file(model).write_text(structure_fingerprint(tiny_project))
    assert finetune_base(model, tiny_project) == model
    (tiny_project / "domain.yml").write_text("version: '3.1'\nintents: [greet]\n")
    assert finetune_base(model, tiny_project) is None
