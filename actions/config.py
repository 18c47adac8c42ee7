"""Settings of the action server, read from the environment and `.env` in the project root."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TIMEOUT_SECONDS = 3.0


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class ActionSettings:
    """How the actions reach the router and where the administrator's YAML lives."""

    router_url: str = "http://127.0.0.1:8080"
    internal_secret: str = ""
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    settings_dir: Path = field(default=PROJECT_ROOT / "settings")

    @classmethod
    def from_env(cls, env_file: Path | None = None) -> "ActionSettings":
        """Read ROUTER_URL, INTERNAL_SECRET and SETTINGS_DIR; `.env` fills in what the environment lacks."""
        load_dotenv(env_file or PROJECT_ROOT / ".env", override=False)
        defaults = cls()
        settings_dir = Path(_env("SETTINGS_DIR", str(defaults.settings_dir)))
        if not settings_dir.is_absolute():
            settings_dir = PROJECT_ROOT / settings_dir
        return cls(
            router_url=_env("ROUTER_URL", defaults.router_url).rstrip("/"),
            internal_secret=_env("INTERNAL_SECRET", ""),
            settings_dir=settings_dir,
        )
