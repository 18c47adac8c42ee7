"""The city's district list, read from the one place it is written: the `stadsdel` lookup table and its
synonyms in data/lookups/stadsdel.yml (the same list the assistant's entity is trained on).

`normalise` turns what a resident or the assistant gave into a canonical name: an exact name or synonym,
else the nearest known spelling (difflib, a close match only), else "okänd". `find_in` looks for a district
named anywhere in a message, for when the assistant's entity extraction found none.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml
from router.core.yaml_reading import read_yaml

UNKNOWN = "okänd"
# How alike a misspelling must be to count as a district (difflib ratio).
CLOSE_ENOUGH = 0.8


class DistrictListError(Exception):
    """The district file is missing or has no lookup table."""


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Districts:
    names: tuple[str, ...]  # canonical, in the file's order
    spellings: dict[str, str]  # casefolded name or synonym → canonical

    def normalise(self, given: str | None) -> str:
        if not given or not given.strip():
            return UNKNOWN
        key = _key(given)
        if key in self.spellings:
            return self.spellings[key]
        near = difflib.get_close_matches(key, list(self.spellings), n=1, cutoff=CLOSE_ENOUGH)
        return self.spellings[near[0]] if near else UNKNOWN

    def resolve(self, given: str | None, text: str) -> str:
        """The district of a message: the assistant's entity when it names one (also a misspelling), else a
        district named inside the entity or the message ("parken vid Fredriksdal"), else "okänd"."""
        district = self.normalise(given)
        if district != UNKNOWN:
            return district
        return self.find_in(given or "") or self.find_in(text) or UNKNOWN

    def find_in(self, text: str) -> str | None:
        """The first district a message names (longest spelling wins where two overlap), or None."""
        lowered = _key(text)
        best: tuple[int, int, str] | None = None
        for spelling, name in self.spellings.items():
            for match in re.finditer(rf"(?<!\w){re.escape(spelling)}(?!\w)", lowered):
                candidate = (match.start(), -len(spelling), name)
                if best is None or candidate < best:
                    best = candidate
        return best[2] if best else None


def load_districts(path: Path) -> Districts:
    try:
        document = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DistrictListError(f"{path}: {error}") from error
    names: list[str] = []
    spellings: dict[str, str] = {}
    synonyms: list[tuple[str, str]] = []
    for block in (document or {}).get("nlu") or []:
        lines = [line.strip()[2:].strip() for line in str(block.get("examples", "")).splitlines()
                 if line.strip().startswith("- ")]
        if block.get("lookup") == "stadsdel":
            names.extend(lines)
        elif "synonym" in block:
            synonyms.extend((str(block["synonym"]), line) for line in lines)
    if not names:
        raise DistrictListError(f"{path}: no lookup table named stadsdel")
    for name in names:
        spellings[_key(name)] = name
    for name, spelling in synonyms:
        if name in names:
            spellings.setdefault(_key(spelling), name)
    return Districts(tuple(names), spellings)
