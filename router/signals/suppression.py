"""Small numbers are never shown or exported (k-anonymity): a count below the threshold — zero included, so
an empty cell cannot be told from a small one — becomes "< 5", with no number behind it anywhere.

Every view of the page and every export row is built from `Cell`s made here; a Cell below the threshold
carries no count at all, so nothing downstream can print one by mistake.
"""
from __future__ import annotations

from dataclasses import dataclass

NBSP = "\u00a0"


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: suppressed
    text: str  # as shown: "1 234" or "< 5"

    @property
    def suppressed(self) -> bool:
        return self.count is None

    def as_json(self) -> dict[str, object]:
        return {"count": self.count, "shown": self.text, "suppressed": self.suppressed}


def swedish_number(value: int) -> str:
    """12345 → "12 345" (a non-breaking space between thousands, as Swedish writes it)."""
    return f"{value:,}".replace(",", NBSP)


def cell(count: int, threshold: int) -> Cell:
    if count < threshold:
        return Cell(None, f"<{NBSP}{threshold}")
    return Cell(count, swedish_number(count))


def change_text(current: Cell, previous: Cell) -> str:
    """The change against the previous period in per cent, Swedish style ("+12,5 %"), or "–" when either
    side is suppressed (a change computed from a hidden count would give the count away)."""
    if current.count is None or previous.count is None:
        return "–"
    change = 100 * (current.count - previous.count) / previous.count
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"{sign}{abs(change):.1f}".replace(".", ",") + f"{NBSP}%"
