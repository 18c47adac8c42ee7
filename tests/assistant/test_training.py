"""Training: a snapshot of the training inputs, the named model with its fingerprint, which model is
current, and failures that leave the project as it was."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.rasa_run import RasaExited, RasaProgress, RasaWroteNothing
from assistant.training import current_model, latest_model, snapshot, train, training_fingerprint

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
