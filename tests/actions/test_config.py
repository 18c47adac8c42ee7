"""ActionSettings: environment first, then `.env`, then defaults."""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.config import PROJECT_ROOT, ActionSettings

KEYS = ("ROUTER_URL", "INTERNAL_SECRET", "SETTINGS_DIR")


@pytest.fixture
def clean_env(monkeypatch):
    # setenv then delenv records "absent", so whatever the .env file sets is removed afterwards.
    for key in KEYS:
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)
    return monkeypatch


def test_env_file_fills_in_and_environment_wins(tmp_path, clean_env):
    env_file = tmp_path / ".env"
    env_file.write_text("ROUTER_URL=http://10.0.0.5:9000/\nINTERNAL_SECRET=from-file\nSETTINGS_DIR=conf\n")
    clean_env.setenv("INTERNAL_SECRET", "from-environment")

    settings = ActionSettings.from_env(env_file)

    assert settings.router_url == "http://10.0.0.5:9000"
    assert settings.internal_secret == "from-environment"
    assert settings.settings_dir == PROJECT_ROOT / "conf"
    assert settings.timeout_seconds == 3.0


def test_defaults_without_env_file(tmp_path, clean_env):
    settings = ActionSettings.from_env(tmp_path / "missing.env")

    assert settings == ActionSettings(
        router_url="http://127.0.0.1:8080",
        internal_secret="",
        timeout_seconds=3.0,
        settings_dir=PROJECT_ROOT / "settings",
    )


def test_absolute_settings_dir_is_kept(tmp_path, clean_env):
    clean_env.setenv("SETTINGS_DIR", str(tmp_path))

    assert ActionSettings.from_env(tmp_path / "missing.env").settings_dir == Path(tmp_path)
