"""Running a Rasa command: progress parsed from its output (stage, component, epoch), peak memory, and
failures that say what went wrong (exit code with the last lines, or the time limit)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.console import ConsoleProgress
from assistant.rasa_run import RasaExited, RasaProgress, RasaTimedOut, run_rasa

DIET = "2026-11-27 17:00:01 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'."


def test_progress_follows_components_and_tqdm_epochs():
    progress = RasaProgress()
    progress.follow(DIET)
    assert (progress.stage, progress.component) == ("training", "DIETClassifier")
    progress.follow("Epochs:  45%|████▌     | 45/100 [00:10<00:12, 4.50it/s, t_loss=1.2, i_acc=0.9]")
    assert (progress.epoch, progress.epochs) == (45, 100)
    assert list(progress.output) == [DIET]
    progress.follow("/x/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call")
    assert len(progress.output) == 1


def test_a_new_component_resets_the_epochs():
    progress = RasaProgress()
    progress.follow(DIET)
    progress.follow("Epochs: 100%|██████████| 100/100 [00:10<00:00]")
    progress.follow("Starting to train component 'TEDPolicy'.")
    assert (progress.component, progress.epoch, progress.epochs) == ("TEDPolicy", None, None)


def test_the_console_prints_lines_and_a_tenth_of_the_epochs(capsys):
    progress = ConsoleProgress()
    progress.follow(DIET)
    for epoch in range(1, 101):
        progress.follow(f"Epochs: {epoch}%| | {epoch}/100 [00:01]")
    printed = capsys.readouterr().err.splitlines()
    assert printed[0] == f"    {DIET}"
    epochs = [line for line in printed[1:] if "DIETClassifier: epoch" in line]
    # Each line names the epoch (and, but for the last, the time left: tests/assistant/test_console.py).
    assert [line.split("epoch ", 1)[1].split(",")[0] for line in epochs] == [f"{n}/100" for n in range(10, 101, 10)]


@pytest.mark.asyncio
async def test_run_rasa_reads_carriage_return_progress_and_samples_memory(tmp_path: Path, fake_rasa):
    script = fake_rasa(
        "printf 'Starting to train component '\"'\"'DIETClassifier'\"'\"'\\n'\n"
        "printf 'Epochs:  10%%| | 1/10 [00:01]\\rEpochs:  70%%| | 7/10 [00:02]\\r'\n"
        "python3 -c 'x = bytearray(60 * 1024 * 1024); import time; time.sleep(1.2)'\n"
        "exec python3 -c 'x = bytearray(60 * 1024 * 1024); import time; time.sleep(1.2)'\n"
    )
    progress = RasaProgress()
    await run_rasa(progress, [str(script)], tmp_path, dict(os.environ), timeout=60)
    assert (progress.component, progress.epoch, progress.epochs) == ("DIETClassifier", 7, 10)
    assert progress.rss_peak_mb is not None and progress.rss_peak_mb > 50


@pytest.mark.asyncio
async def test_a_failed_run_keeps_its_exit_code_and_last_lines(tmp_path: Path, fake_rasa):
    script = fake_rasa("echo 'loading data'\necho 'InvalidConfigException: bad pipeline' >&2\nexit 3\n")
    with pytest.raises(RasaExited) as failure:
        await run_rasa(RasaProgress(), [str(script)], tmp_path, dict(os.environ), timeout=60)
    assert failure.value.returncode == 3
    assert failure.value.tail == "loading data | InvalidConfigException: bad pipeline"


@pytest.mark.asyncio
async def test_a_run_past_its_time_is_stopped(tmp_path: Path, fake_rasa):
    script = fake_rasa(f"echo $$ > {tmp_path / 'pid'}\nexec sleep 30\n")
    with pytest.raises(RasaTimedOut) as failure:
        await run_rasa(RasaProgress(), [str(script)], tmp_path, dict(os.environ), timeout=1)
    assert failure.value.seconds == 1
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
