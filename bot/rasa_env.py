"""The environment Rasa and the action server run with: `.env` plus quiet TensorFlow logs."""
from __future__ import annotations

import os

from dotenv import dotenv_values

from bot import paths


def rasa_environment() -> dict[str, str]:
    env = {k: v for k, v in dotenv_values(paths.ENV_FILE).items() if v is not None}
    env.update(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["PYTHONPATH"] = str(paths.ROOT)
    return env
