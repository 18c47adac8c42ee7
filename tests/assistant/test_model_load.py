"""The fast model load (doors/model_load.py) gives the model Rasa's own load gives: the same intent and the
same confidences for every intent of every held-out message, with the project's trained model."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assistant import paths
from assistant.rasa_env import rasa_environment
from assistant.training import latest_model

pytestmark = pytest.mark.rasa_toolchain


def test_the_fast_load_predicts_exactly_what_rasas_own_load_predicts():
    model = latest_model()
    assert model is not None, "no trained model: `python -m bot train` (make test trains first)"
    done = subprocess.run(
        [str(paths.RASA_PYTHON), str(Path(__file__).with_name("model_load_check.py")), str(model)],
        cwd=paths.ROOT, env=rasa_environment(), capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["installed"]
    assert len(result["texts"]) > 300
    print("seconds to load:", result["seconds"])
    for text, (rasa_intent, rasa_ranking), (fast_intent, fast_ranking) in zip(result["texts"], result["rasa"], result["fast"]):
        assert fast_intent == rasa_intent, text
        assert [name for name, _ in fast_ranking] == [name for name, _ in rasa_ranking], text
        for (_, fast), (_, rasa) in zip(fast_ranking, rasa_ranking):
            assert fast == pytest.approx(rasa, abs=1e-6), text
