"""The environment Rasa and the action server run with: `.env` plus quiet TensorFlow logs."""
from __future__ import annotations

import os

from dotenv import dotenv_values

from assistant import paths


# endpoints.yml reads these; Rasa fails on an unset ${VAR}, so a `.env` written before they existed still works.
ENDPOINT_DEFAULTS = {
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
    "RASA_TRACKER_DIALECT": "sqlite",
    "RASA_TRACKER_URL": "",
    "RASA_TRACKER_DB": str(paths.VAR / "rasa-tracker.db"),
    "RASA_TRACKER_USER": "",
    "RASA_TRACKER_PASSWORD": "",
    "RASA_LOCK_STORE": "in_memory",
    "RASA_LOCK_STORE_URL": "",
    "RASA_LOCK_STORE_PORT": "",
    "RASA_LOCK_STORE_DB": "",
    "RASA_LOCK_STORE_PREFIX": "",
    # What Rasa shows the action server (action_endpoint's header); the action server refuses to start
    # without it, so an empty default only lets commands that never call an action read endpoints.yml.
    "INTERNAL_SECRET": "",
}


def rasa_environment() -> dict[str, str]:
    env = dict(ENDPOINT_DEFAULTS)
    env.update({k: v for k, v in dotenv_values(paths.ENV_FILE).items() if v is not None})
    env.update(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["PYTHONPATH"] = str(paths.ROOT)
    return env
