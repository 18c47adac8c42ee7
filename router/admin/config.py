"""`settings/admin.yml` (inbox threshold, deploy gate) and where the Rasa project files are."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant import paths
from router.core.yaml_reading import read_yaml

# The Rasa project the administration edits and trains (tests point it at a copy).
PROJECT_DIR_VARIABLE = "ADMIN_PROJECT_DIR"


class AdminConfigError(ValueError):
    """settings/admin.yml is wrong; the message names the field."""


@dataclass(frozen=True)
class AdminConfig:
    confidence_threshold: float = 0.6
    inbox_days: int = 30
    max_f1_drop: float = 0.01
    min_emergency_recall: float = 1.0


def _fraction(section: dict[str, Any], key: str, default: float, source: Path) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise AdminConfigError(f"{source}: {key} must be a number from 0 to 1, not {value!r}")
    return float(value)


def load_admin_config(settings_dir: Path) -> AdminConfig:
    source = settings_dir / "admin.yml"
    if not source.exists():
        return AdminConfig()
    try:
        data = read_yaml(source.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise AdminConfigError(f"{source}: not valid YAML: {error}") from error
    inbox, gate = data.get("inbox") or {}, data.get("deploy_gate") or {}
    if not isinstance(inbox, dict) or not isinstance(gate, dict):
        raise AdminConfigError(f"{source}: inbox and deploy_gate must be mappings")
    days = inbox.get("days", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise AdminConfigError(f"{source}: inbox.days must be a whole number from 1 to 3650, not {days!r}")
    return AdminConfig(
        confidence_threshold=_fraction(inbox, "confidence_threshold", 0.6, source),
        inbox_days=days,
        max_f1_drop=_fraction(gate, "max_f1_drop", 0.01, source),
        min_emergency_recall=_fraction(gate, "min_emergency_recall", 1.0, source),
    )


def project_dir() -> Path:
    value = os.environ.get(PROJECT_DIR_VARIABLE, "").strip()
    return Path(value).resolve() if value else paths.ROOT
