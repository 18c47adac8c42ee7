"""Public hours API: GET /api/hours and GET /api/hours/days (see docs/architecture.md).

Both carry ready Swedish texts for residents (router/hours/wording.py), so the action server
never words hours itself. `POST /api/hours/days` takes a resident's message and answers for the
days it names (router/hours/day_phrases.py); a message that names no day is not an error: the
answer has `"days": []` and `"text": null`, and the caller answers with the week instead. The
message travels in the body, not the query string, because the access log records query
strings and what residents write must not end up there.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from aiohttp import web

from router.core.keys import CLOCK_KEY
from router.core.unicode import is_text
from router.hours.day_phrases import find_days
from router.hours.keys import HOURS_KEY
from router.hours.schedule import DayHours, OpeningHours
from router.hours.swedish import weekday_name
from router.hours.wording import now_answer, phrase_answer, week_summary

MAX_DAYS = 31
DEFAULT_DAYS = 7
MAX_PHRASE_LENGTH = 2000  # the longest message a resident can send (router.texts.MAX_TEXT_LENGTH)

# An unencoded "+" in a query string arrives as a space: "…T08:00:00 01:00" means "+01:00".
_PLUS_SENT_AS_SPACE = re.compile(r"^(.+\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^\d+$")

routes = web.RouteTableDef()


class _BadQuery(ValueError):
    """A query parameter the client must correct; the message says how."""


@routes.get("/api/hours")
async def get_hours(request: web.Request) -> web.Response:
    hours = request.config_dict[HOURS_KEY]
    try:
        raw_at = request.query.get("at")
        at = request.config_dict[CLOCK_KEY].now() if raw_at is None else _parse_at(raw_at, hours)
        moment = hours.localize(at)
        is_open = hours.is_open(moment)
        closes_at = hours.closes_at(moment) if is_open else None
        opens_at = None if is_open else hours.next_open(moment)
        text = now_answer(hours, moment)
    except _BadQuery as error:
        return _bad_request(str(error))
    except OverflowError:
        return _bad_request(
            "at: the time is outside the supported range / tiden ligger utanför det som stöds"
        )
    return web.json_response(
        {
            "open": is_open,
            "opens_at": opens_at.isoformat() if opens_at else None,
            "closes_at": closes_at.isoformat() if closes_at else None,
            "at": moment.isoformat(),
            "timezone": hours.timezone.key,
            "text": text,
            "week": week_summary(hours.weekly),
        }
    )


@routes.get("/api/hours/days")
async def get_days(request: web.Request) -> web.Response:
    hours = request.config_dict[HOURS_KEY]
    try:
        count = _parse_days(request.query.get("days"))
        if "from" in request.query:
            first = _parse_from(request.query["from"])
        else:
            first = hours.localize(request.config_dict[CLOCK_KEY].now()).date()
        days = hours.days(first, count)
    except _BadQuery as error:
        return _bad_request(str(error))
    except OverflowError:
        return _bad_request(
            "from: the dates are outside the supported range / datumen ligger utanför det som stöds"
        )
    return web.json_response({"timezone": hours.timezone.key, "days": [_day_json(day) for day in days]})


@routes.post("/api/hours/days")
async def post_days(request: web.Request) -> web.Response:
    """The days a resident's message names: `{"phrase": "har ni öppet på julafton?"}`."""
    hours = request.config_dict[HOURS_KEY]
    try:
        body: Any = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError, LookupError, RecursionError):
        body = None  # not JSON, not in its charset, a charset Python does not know, or nested too deep
    if not isinstance(body, dict) or set(body) != {"phrase"}:
        return _bad_request('body: must be the JSON object {"phrase": "…"} / ska vara JSON {"phrase": "…"}')
    phrase = body["phrase"]
    if not isinstance(phrase, str) or not phrase.strip() or len(phrase) > MAX_PHRASE_LENGTH or not is_text(phrase):
        return _bad_request(
            f"phrase: must be a text of 1–{MAX_PHRASE_LENGTH} characters "
            f"/ phrase ska vara en text på 1–{MAX_PHRASE_LENGTH} tecken"
        )
    today = hours.localize(request.config_dict[CLOCK_KEY].now()).date()
    phrases = find_days(phrase, today, hours.calendar.by_name)
    dates = sorted({day for found in phrases for day in found.dates})
    return web.json_response(
        {
            "timezone": hours.timezone.key,
            "phrase": phrase,
            "days": [_day_json(hours.day(day)) for day in dates],
            "text": phrase_answer(phrases, hours, today) if phrases else None,
            "week": week_summary(hours.weekly),
        }
    )


def _day_json(day: DayHours) -> dict[str, str | bool | None]:
    return {
        "date": day.date.isoformat(),
        "weekday": weekday_name(day.date),
        "open": day.is_open,
        "opens": day.opens.strftime("%H:%M") if day.opens else None,
        "closes": day.closes.strftime("%H:%M") if day.closes else None,
        "note": day.note,
        "reason": day.reason.value,
        "holiday": day.holiday,
    }


def _parse_at(raw: str, hours: OpeningHours) -> datetime:
    """ISO 8601 time; without a UTC offset it is local time in the hours' time zone."""
    text = raw.strip()
    plus_as_space = _PLUS_SENT_AS_SPACE.match(text)
    if plus_as_space:
        text = f"{plus_as_space[1]}+{plus_as_space[2]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _BadQuery(
            f"at: {raw!r} is not an ISO 8601 time, e.g. 2026-11-30T08:00:00+01:00 "
            f"/ at ska vara en tid enligt ISO 8601"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=hours.timezone)
    return moment


def _parse_from(raw: str) -> date:
    if _ISO_DATE.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise _BadQuery(
        f"from: {raw!r} is not a date in the form YYYY-MM-DD / from ska vara ett datum (ÅÅÅÅ-MM-DD)"
    )


def _parse_days(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_DAYS
    if not _DIGITS.match(raw) or not 1 <= int(raw) <= MAX_DAYS:
        raise _BadQuery(
            f"days: {raw!r} must be a whole number from 1 to {MAX_DAYS} "
            f"/ days ska vara ett heltal 1–{MAX_DAYS}"
        )
    return int(raw)


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)
