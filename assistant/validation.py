"""Checking the training data as a whole: `rasa data validate --fail-on-warnings` on the project.
(The administration checks a single change in a copy of the project: router/admin/rasa_validation.py.)"""
from __future__ import annotations

import subprocess
from pathlib import Path

from assistant import paths
from assistant.rasa_env import rasa_environment


def validate(project_root: Path = paths.ROOT) -> int:
    """Rasa's exit code; its report goes to the terminal."""
    return subprocess.run(
        [str(paths.RASA_BIN), "data", "validate", "--fail-on-warnings"], cwd=project_root, env=rasa_environment(),
    ).returncode
