"""Create what a fresh machine lacks: the Rasa environment, the spaCy model and `.env`."""
from __future__ import annotations

import hashlib
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from assistant import paths
from assistant.console import step
from assistant.private_files import private_dir, write_new_private_file

PYENV_VERSIONS = Path.home() / ".pyenv" / "versions"


def find_python310() -> str:
    """pyenv's python3.10, or one on PATH."""
    candidates = sorted(PYENV_VERSIONS.glob("3.10*/bin/python3.10"), reverse=True)
    if candidates:
        return str(candidates[0])
    found = shutil.which("python3.10")
    if found:
        return found
    raise SystemExit("Python 3.10 is needed for Rasa 3.6: install it with `pyenv install 3.10`.")


def _lock_digest() -> str:
    return hashlib.sha256(paths.RASA_LOCK.read_bytes()).hexdigest()


def rasa_env_ready() -> bool:
    """.venv-rasa was installed from the current lock file."""
    stamp = paths.RASA_VENV / ".installed"
    return stamp.exists() and stamp.read_text() == _lock_digest()


def ensure_rasa_venv() -> None:
    if rasa_env_ready():
        return
    stamp = paths.RASA_VENV / ".installed"
    if not paths.RASA_PYTHON.exists():
        step(f"Creating {paths.RASA_VENV.name} with Python 3.10")
        subprocess.run([find_python310(), "-m", "venv", str(paths.RASA_VENV)], check=True)
    step("Installing Rasa 3.6 and spaCy into .venv-rasa (first time: several minutes)")
    pip = [str(paths.RASA_PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip==24.0"], check=True)
    subprocess.run(pip + ["-r", str(paths.RASA_LOCK)], check=True)
    stamp.write_text(_lock_digest())


def ensure_spacy_model() -> None:
    if (paths.SPACY_MODEL / "meta.json").exists():
        return
    step("Building the Swedish spaCy pipeline (lookup lemmatizer, no download)")
    subprocess.run(
        [str(paths.RASA_PYTHON), str(paths.ROOT / "bot" / "build_spacy_model.py"), str(paths.SPACY_MODEL)],
        check=True,
    )


def ensure_env_file() -> None:
    """Write `.env` from `.env.example`, generating the secrets it leaves empty."""
    if paths.ENV_FILE.exists():
        return
    step("Writing .env with fresh secrets")
    lines = []
    for line in paths.ENV_EXAMPLE.read_text().splitlines():
        if line in ("RASA_TOKEN=", "INTERNAL_SECRET="):
            line += secrets.token_urlsafe(32)
        lines.append(line)
    write_new_private_file(paths.ENV_FILE, "\n".join(lines) + "\n")


def setup(begin: Callable[[str], None] = lambda part: None) -> int:
    """Everything `make run` needs before a model; `begin` is told each part that is about to start
    ("rasa_env", "spacy"), for the first run's progress (bot/first_run.py)."""
    ensure_env_file()
    begin("rasa_env")
    ensure_rasa_venv()
    begin("spacy")
    ensure_spacy_model()
    private_dir(paths.VAR)
    step("Setup complete")
    return 0


if __name__ == "__main__":
    sys.exit(setup())
