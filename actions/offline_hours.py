"""What the actions say about opening hours when the router cannot be reached.

The router owns the opening hours: it reads `settings/hours.yml`, applies holidays, eves and
deviations, and words every answer. The actions keep no reader of that file. They remember the
one-line normal week from the router's last answer (every hours answer carries it), so that
while the router is briefly away a resident still gets the usual hours with a caveat, and the
phone number in every case. Before the router has answered once, there is no week to tell.
"""
from __future__ import annotations

HOLIDAY_CAVEAT = "Tiderna kan avvika kring helgdagar och dagen före en helgdag."
UNAVAILABLE = "Jag kan inte hämta öppettiderna just nu."


class KnownWeek:
    """The normal week as the router last worded it: 'måndag–onsdag 08.00–17.00, …'."""

    def __init__(self) -> None:
        self._line: str | None = None

    def remember(self, line: str) -> None:
        self._line = line

    @property
    def line(self) -> str | None:
        return self._line


# One per action server process, shared by the actions that mention opening hours.
KNOWN_WEEK = KnownWeek()


def usual_hours(week: KnownWeek) -> str | None:
    """'Vanliga öppettider: … Tiderna kan avvika …', or None before the router has told the week."""
    if week.line is None:
        return None
    return f"Vanliga öppettider: {week.line}. {HOLIDAY_CAVEAT}"


def offline_answer(week: KnownWeek, phone: str) -> str:
    """The opening-hours answer without the router."""
    usual = usual_hours(week)
    lines = [f"{UNAVAILABLE} {usual}" if usual else UNAVAILABLE, f"Du når kontaktcenter på {phone}."]
    return "\n".join(lines)
