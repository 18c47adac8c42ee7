"""What `make run` still has to do before the first answer, and about how long each part takes, so that an
operator on a fresh machine knows at once whether to wait or come back later.

The expected durations are those of a fresh clone on this project's reference machine (2 cores, Python
wheels from the package index; `bench/first_run.py`, 4 December 2026): the Rasa environment ~60 s, the
spaCy pipeline ~5 s, the 40-epoch training ~245 s, Rasa's start with the model ~13 s (doors/model_load.py).
The same machine has run the training twice as slowly on other days, hence the margins. They are estimates
to plan a coffee by, not promises; the training prints its own remaining time per epoch as it goes.
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant import paths
from assistant.console import step
from assistant.training import current_model
from bot import setup_env


@dataclass(frozen=True)
class Part:
    key: str
    what: str
    seconds: int


RASA_ENV = Part("rasa_env", "installing Rasa 3.6 and spaCy into .venv-rasa", 90)
SPACY = Part("spacy", "building the Swedish spaCy pipeline", 10)
TRAINING = Part("training", "training the model", 300)
START = Part("start", "starting Rasa, the action server and the router", 20)


def _minutes(seconds: float) -> str:
    return f"about {seconds / 60:.0f} min" if seconds >= 90 else f"about {seconds:.0f} s"


class Plan:
    """The parts still to do, in order; `begin` announces one with the time left for it and all after it."""

    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self._done = 0

    def announce(self) -> None:
        if len(self.parts) < 2:  # only the start: an ordinary restart, nothing to plan
            return
        listed = ", ".join(f"{part.what} ({_minutes(part.seconds)})" for part in self.parts)
        step(f"First run: {len(self.parts)} parts to go, {_minutes(self._left())} in all on 2 cores: {listed}")

    def begin(self, key: str) -> None:
        keys = [part.key for part in self.parts]
        if key not in keys or len(self.parts) < 2:
            return
        self._done = keys.index(key)
        part = self.parts[self._done]
        step(f"Part {self._done + 1}/{len(self.parts)}: {part.what}, {_minutes(self._left())} left in all")

    def _left(self) -> float:
        return sum(part.seconds for part in self.parts[self._done:])


def plan_for_run(needs_training: bool) -> Plan:
    parts = []
    if not setup_env.rasa_env_ready():
        parts.append(RASA_ENV)
    if not (paths.SPACY_MODEL / "meta.json").exists():
        parts.append(SPACY)
    if needs_training:
        parts.append(TRAINING)
    parts.append(START)
    return Plan(parts)


def needs_training() -> bool:
    """True when `make run` will train: no model in service and none that matches the training data."""
    from assistant.in_service import in_service_model

    if in_service_model() is not None:
        return False
    try:
        return current_model() is None
    except OSError:
        return True
