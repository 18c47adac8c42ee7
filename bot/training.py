"""`python -m bot train|validate`: train a model when none matches the current training data, and check
the data, printing the progress for the operator (the work itself is assistant/training.py)."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from assistant import paths, training
from assistant.console import ConsoleProgress, step
from assistant.validation import validate as validate_project


def train(force: bool = False) -> Path:
    """The current model, trained first when there is none (or always, with `force`)."""
    existing = None if force else training.current_model()
    if existing:
        step(f"Model is up to date: {existing.name}")
        return existing
    step("Training the Rasa model (a few minutes on 2 cores)")
    name = time.strftime("%Y%m%d-%H%M%S")
    model = asyncio.run(training.train(ConsoleProgress(), paths.ROOT, paths.MODELS, name))
    step(f"Trained {model.name} ({model.stat().st_size / 1e6:.1f} MB)")
    return model


def validate() -> int:
    step("Validating training data (rasa data validate --fail-on-warnings)")
    return validate_project()
