"""Fixtures for the assistant's lifecycle: a tiny Rasa project, and a stand-in for the `rasa` command that
runs a shell script (a real `rasa train` takes minutes; tests/e2e trains real models)."""
from __future__ import annotations

import json
import stat
import sys
from collections.abc import Callable
from typing import Any
from pathlib import Path

import pytest


@pytest.fixture
def fake_rasa(tmp_path: Path) -> Callable[[str], Path]:
    """Makes an executable that runs the given shell script body with Rasa's arguments ($1, $2, …)."""

    def make(body: str) -> Path:
        path = tmp_path / "fake-rasa"
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return path

    return make


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """config.yml, domain.yml and one NLU file: every training input, nothing else."""
    root = tmp_path / "project"
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("language: sv\n")
    (root / "domain.yml").write_text("version: '3.1'\n")
    (root / "data" / "nlu" / "basics.yml").write_text("nlu: []\n")
    return root


# What `rasa test nlu` writes into intent_report.json (per intent, then the averages).
INTENT_REPORT: dict[str, Any] = {
    "greet": {"precision": 1.0, "recall": 0.5, "f1-score": 0.6667, "support": 2, "confused_with": {"goodbye": 1}},
    "goodbye": {"precision": 0.5, "recall": 1.0, "f1-score": 0.6, "support": 1, "confused_with": {}},
    "emergency": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 3, "confused_with": {}},
    "accuracy": 0.8333,
    "macro avg": {"precision": 0.8333, "recall": 0.8333, "f1-score": 0.7778, "support": 6},
    "weighted avg": {"precision": 0.9167, "recall": 0.8333, "f1-score": 0.8333, "support": 6},
}


@pytest.fixture
def rasa_test_nlu(fake_rasa: Callable[[str], Path], tmp_path: Path) -> Path:
    """`rasa test nlu … --out OUT` that writes INTENT_REPORT into OUT (its last argument) and its own
    arguments and working folder into `tmp_path/call`."""
    report = tmp_path / "report.json"
    report.write_text(json.dumps(INTENT_REPORT))
    return fake_rasa(
        f'echo "$PWD $*" > {tmp_path / "call"}\n'
        'for last; do :; done\n'
        f'mkdir -p "$last" && cp {report} "$last/intent_report.json"\n'
    )


@pytest.fixture
def model_run_python(tmp_path: Path) -> Path:
    """Stands for .venv-rasa's python running `-m assistant.model_run MODEL REQUEST`: writes INTENT_REPORT
    into the request's held-out folder (when there is one) and, for each text, the intent `emergency` when
    it says "brinner", else `greet`; its arguments and working folder go to `tmp_path/call`."""
    path = tmp_path / "fake-python"
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "from pathlib import Path\n"
        f"Path({str(tmp_path / 'call')!r}).write_text(json.dumps([os.getcwd(), *sys.argv[1:]]))\n"
        "request = json.loads(Path(sys.argv[4]).read_text())\n"
        "if request['held_out']:\n"
        "    out = Path(request['held_out']['out']); out.mkdir(parents=True)\n"
        f"    (out / 'intent_report.json').write_text({json.dumps(json.dumps(INTENT_REPORT))})\n"
        "predictions = [{'text': t, 'intent': 'emergency' if 'brinner' in t else 'greet', 'confidence': 0.9}\n"
        "               for t in request['texts']]\n"
        "Path(request['predictions']).write_text(json.dumps(predictions))\n"
    )
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path
