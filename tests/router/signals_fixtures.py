"""Helpers for the trygghetssignaler tests: a seeded set of signals with counts right below, at and above the
threshold, an analyst's login, and reading every count a page or an export shows."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

from router.signals.keys import SIGNAL_STORE_KEY
from router.signals.models import SignalCreate
from tests.router.constants import INTERNAL_SECRET, PASSWORD

INTERNAL = {"X-Internal-Secret": INTERNAL_SECRET}
THRESHOLD = 5
# (district, category, time of day, weekday, place, day, how many) — the clock's today is 2026-11-30.
SEED: list[tuple[str, str, str | None, str | None, str | None, date, int]] = [
    ("Fredriksdal", "otrygghet", "kväll", "helg", "parken", date(2026, 10, 3), 7),
    ("Fredriksdal", "belysning", "kväll", None, "gångtunneln", date(2026, 10, 4), 4),  # one below
    ("Söder", "grupper", "natt", "fredag", "torget", date(2026, 11, 2), 5),  # exactly the threshold
    ("Drottninghög", "klotter", None, None, None, date(2026, 9, 10), 1),
    ("Söder", "grupper", "natt", None, "torget", date(2025, 10, 2), 6),  # previous period only
]
RARE_PLACE = "gångtunneln"  # given four times: must never appear


async def seed_signals(client) -> None:
    store = client.app[SIGNAL_STORE_KEY]
    for district, category, time_of_day, weekday, place, day, times in SEED:
        for _ in range(times):
            signal = SignalCreate(
                district=district, category=category, time_of_day=time_of_day, weekday=weekday, place=place
            )
            await store.record(signal, day=day)


async def record(client, text: str, intent: str = "feeling_unsafe", district: str | None = None,
                 conversation_id: str | None = None):
    return await client.post(
        "/internal/signals",
        json={"intent": intent, "text": text, "district": district, "conversation_id": conversation_id},
        headers=INTERNAL,
    )


async def login_page_only(client, username: str) -> None:
    """Log in through the form without the console's /api/agent/me (which an analyst may not use)."""
    html = await (await client.get("/agent/login")).text()
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = await client.post(
        "/agent/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return response.headers["Location"]


class _Counts(HTMLParser):
    """Collects the text of every table data cell and every SVG <text> and <desc>."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.svg_texts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "text", "desc"):
            self._in = tag
            (self.cells if tag == "td" else self.svg_texts).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "td":
            self.cells[-1] += data
        elif self._in in ("text", "desc"):
            self.svg_texts[-1] += data


def page_numbers(html: str) -> tuple[list[str], list[str]]:
    parser = _Counts()
    parser.feed(html)
    return [c.strip() for c in parser.cells], [t.strip() for t in parser.svg_texts]


def small_numbers(texts: list[str], threshold: int = THRESHOLD) -> list[str]:
    """Every text that shows a whole number from 1 to threshold − 1 as a count (not part of a date, a year,
    a percentage or the "< 5" marker)."""
    found = []
    for text in texts:
        cleaned = re.sub(r"<\s*\d+", "", text.replace("\u00a0", " "))
        cleaned = re.sub(r"[+−±]?\d+(?:,\d+)?\s*%", "", cleaned)
        for number in re.findall(r"(?<![\d-])\d+(?![\d-])", cleaned):
            if 0 < int(number) < threshold and not re.search(rf"{number} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december)", cleaned):
                found.append(text)
    return found


def json_counts(value: Any) -> list[Any]:
    """Every "count" anywhere in an exported JSON document."""
    if isinstance(value, dict):
        own = [value["count"]] if "count" in value else []
        return own + [c for v in value.values() for c in json_counts(v)]
    if isinstance(value, list):
        return [c for v in value for c in json_counts(v)]
    return []


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))
