"""The first `make run` on a fresh machine says what it still has to do and about how long it takes; a
restart with everything in place says nothing of the kind."""
from __future__ import annotations

import pytest

from assistant import paths
from bot import first_run
from bot.first_run import RASA_ENV, SPACY, START, TRAINING, Plan, plan_for_run


def test_a_fresh_machine_hears_every_part_and_the_time_left(capsys):
    plan = Plan([RASA_ENV, SPACY, TRAINING, START])
    plan.announce()
    plan.begin("rasa_env")
    plan.begin("spacy")
    plan.begin("training")
    plan.begin("start")
    lines = [line.split("] ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert lines == [
        "First run: 4 parts to go, about 7 min in all on 2 cores: installing Rasa 3.6 and spaCy into .venv-rasa "
        "(about 2 min), building the Swedish spaCy pipeline (about 10 s), training the model (about 5 min), "
        "starting Rasa, the action server and the router (about 20 s)",
        "Part 1/4: installing Rasa 3.6 and spaCy into .venv-rasa, about 7 min left in all",
        "Part 2/4: building the Swedish spaCy pipeline, about 6 min left in all",
        "Part 3/4: training the model, about 5 min left in all",
        "Part 4/4: starting Rasa, the action server and the router, about 20 s left in all",
    ]


def test_a_restart_with_everything_in_place_plans_nothing(capsys):
    plan = Plan([START])
    plan.announce()
    plan.begin("rasa_env")
    plan.begin("start")
    assert capsys.readouterr().err == ""


def test_parts_already_done_are_left_out(tmp_path, monkeypatch: pytest.MonkeyPatch):
    lock = tmp_path / "rasa.lock"
    lock.write_text("rasa==3.6.21\n")
    monkeypatch.setattr(paths, "RASA_LOCK", lock)
    monkeypatch.setattr(paths, "RASA_VENV", tmp_path / ".venv-rasa")
    monkeypatch.setattr(paths, "SPACY_MODEL", tmp_path / ".spacy" / "sv_lookup")
    assert [part.key for part in plan_for_run(needs_training=True).parts] == ["rasa_env", "spacy", "training", "start"]

    (tmp_path / ".venv-rasa").mkdir()
    (tmp_path / ".venv-rasa" / ".installed").write_text(first_run.setup_env._lock_digest())
    (tmp_path / ".spacy" / "sv_lookup").mkdir(parents=True)
    (tmp_path / ".spacy" / "sv_lookup" / "meta.json").write_text("{}")
    assert [part.key for part in plan_for_run(needs_training=False).parts] == ["start"]
    lock.write_text("rasa==3.6.22\n")  # a new lock file: the environment is installed again
    assert [part.key for part in plan_for_run(needs_training=False).parts] == ["rasa_env", "start"]
