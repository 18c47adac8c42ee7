"""The operator's progress lines: the time a training step still needs, at the pace of the epochs so far."""
from __future__ import annotations

import pytest

from assistant.console import ConsoleProgress, remaining_text


def test_the_time_left_follows_the_pace_so_far() -> None:
    assert remaining_text(0, 40, 0.0) == ""  # no pace yet
    assert remaining_text(10, 40, 20.0) == ", about 60 s left"
    assert remaining_text(10, 40, 300.0) == ", about 15 min left"
    assert remaining_text(40, 40, 500.0) == ""  # done


def test_epoch_lines_say_how_long_the_component_still_needs(capsys: pytest.CaptureFixture[str]) -> None:
    progress = ConsoleProgress()
    progress.follow("2026-12-04 00:31:55 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.")
    for epoch in range(1, 41):
        progress.follow(f"Epochs:  {epoch * 100 // 40}%|##| {epoch}/40 [00:10<00:30, 1.0s/it]")
    lines = [line for line in capsys.readouterr().err.splitlines() if "epoch" in line]
    assert len(lines) == 10
    assert all(", about " in line and line.endswith(" s left") for line in lines[:-1])
    assert "DIETClassifier: epoch 4/40, about" in lines[0]
    assert lines[-1].endswith("DIETClassifier: epoch 40/40")
