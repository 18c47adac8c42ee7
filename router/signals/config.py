"""settings/signals.yml: the small-number threshold (k-anonymity) and the retention of trygghetssignaler.

Signals are statistics with their own retention, separate from the case records in retention.yml: long
enough to cover two lägesbild periods (the lägesbild is written every second year). A mistake in the file
stops the router naming the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from router.core.yaml_reading import read_yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_THRESHOLD = 5
DEFAULT_RETENTION_DAYS = 3 * 365
DEFAULT_DISTRICTS_FILE = "data/lookups/stadsdel.yml"


class SignalsConfigError(Exception):
    """settings/signals.yml is wrong; the message names the field."""


@dataclass(frozen=True)
class SignalsConfig:
    threshold: int = DEFAULT_THRESHOLD
    retention_days: int = DEFAULT_RETENTION_DAYS
    districts_file: Path = PROJECT_ROOT / DEFAULT_DISTRICTS_FILE
    top_places: int = 5


def _positive(document: dict[str, Any], name: str, default: int) -> int:
    value = document.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SignalsConfigError(f"signals.yml: {name} must be a whole number greater than 0, got {value!r}")
    return value


def load_signals_config(settings_dir: Path) -> SignalsConfig:
    """The file is optional: without it the defaults hold (threshold 5, three years)."""
    path = settings_dir / "signals.yml"
    if not path.exists():
        return SignalsConfig()
    try:
        document = read_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise SignalsConfigError(f"signals.yml: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise SignalsConfigError("signals.yml: expected a mapping")
    districts = document.get("districts_file", DEFAULT_DISTRICTS_FILE)
    if not isinstance(districts, str) or not districts.strip():
        raise SignalsConfigError("signals.yml: districts_file must be a path")
    districts_path = Path(districts)
    return SignalsConfig(
        threshold=_positive(document, "threshold", DEFAULT_THRESHOLD),
        retention_days=_positive(document, "retention_days", DEFAULT_RETENTION_DAYS),
        districts_file=districts_path if districts_path.is_absolute() else PROJECT_ROOT / districts_path,
        top_places=_positive(document, "top_places", 5),
    )
