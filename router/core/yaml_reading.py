"""Reading YAML with libyaml when PyYAML has it.

The same documents as PyYAML's pure-Python loaders, about 15 times faster. The router reads its settings
files every time an app is made (at start, and in each of the ~1 000 router tests, where the pure-Python
parser was a third of a test's setup) and the administration reads every NLU file on a save.
"""
from __future__ import annotations

from typing import Any

import yaml

# Safe: plain data only (no Python objects). Base: every scalar stays text (17:00 and 112 are not numbers).
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BASE_LOADER: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def read_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml when available."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def read_yaml_as_text(text: str) -> Any:
    """Every scalar as a string, with libyaml when available."""
    return yaml.load(text, Loader=BASE_LOADER)  # noqa: S506 - the base loader builds strings, lists and dicts only
