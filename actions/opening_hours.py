"""`action_opening_hours`: when is the contact center open?

With the slot `weekday` (måndag … söndag, idag, imorgon) the answer is for that day — a
weekday name means the next such date, today included. Without it the answer says whether
the contact center is open now, until when or when it opens next, the normal week, and any
deviating days in the coming week. The router's hours API is the source, and "today" is the
router's (its clock can be fixed for tests and demos); when it cannot be reached the answer
comes from the normal week in `settings/hours.yml`, for the action's own date, with a caveat
about public holidays. The slot is reset after every answer.
"""
from __future__ import annotations

import logging
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings
from actions.contact_center import load_contact_center
from actions.router_client import DayHours, HoursNow, RouterClient, RouterError
from actions.swedish_time import WEEKDAY_NAMES, format_clock, format_date, format_moment, format_span
from actions.weekly_hours import HOLIDAY_CAVEAT, WeeklySchedule, load_weekly_schedule

logger = logging.getLogger(__name__)

WEEKDAY_SLOT = "weekday"
DAYS_AHEAD = 7


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char) and not char.isspace())


_FOLDED_WEEKDAYS = tuple(_fold(name) for name in WEEKDAY_NAMES)


def requested_day(value: Any, today: date) -> date | None:
    """The date the slot value means: 'idag', 'imorgon', or the next such weekday from today.

    Tolerates case, missing å/ä/ö, 'i dag'/'i morgon' and endings ('måndagar'); anything else is None.
    """
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    if not isinstance(value, str):
        return None
    word = _fold(value)
    if word.startswith("idag"):
        return today
    if word.startswith("imorgon"):
        return today + timedelta(days=1)
    for index, name in enumerate(_FOLDED_WEEKDAYS):
        if word.startswith(name):
            return today + timedelta(days=(index - today.weekday()) % 7)
    return None


class ActionOpeningHours(Action):
    def __init__(
        self,
        settings: ActionSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings or ActionSettings.from_env()
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def name(self) -> str:
        return "action_opening_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        schedule = load_weekly_schedule(self._settings.settings_dir)
        phone_line = f"Du når kontaktcenter på {load_contact_center(self._settings.settings_dir).phone}."
        own_today = self._clock().astimezone(schedule.timezone).date()
        slot_value = tracker.get_slot(WEEKDAY_SLOT)
        own_day = requested_day(slot_value, own_today)
        if slot_value is not None and own_day is None:
            logger.info("weekday slot %r not understood; answering for now", slot_value)
        client = RouterClient(self._settings)
        try:
            now = await client.hours_now()
            today = own_today if now.at is None else now.at.astimezone(schedule.timezone).date()
            day = requested_day(slot_value, today)
            if day is None:
                text = await _answer_now(client, now, today, schedule, phone_line)
            else:
                text = await _answer_day(client, day, today, schedule, phone_line)
        except RouterError as error:
            logger.warning("opening hours from the router failed: %s", error)
            text = _answer_offline(own_day, schedule, phone_line)
        dispatcher.utter_message(text=text)
        return [SlotSet(WEEKDAY_SLOT, None)]


async def _answer_now(
    client: RouterClient, now: HoursNow, today: date, schedule: WeeklySchedule, phone_line: str
) -> str:
    days = await client.days(today, DAYS_AHEAD)
    if now.open:
        until = f" till kl. {format_clock(now.closes_at.astimezone(schedule.timezone))}" if now.closes_at else ""
        lines = [f"Kontaktcenter har öppet nu{until}."]
    else:
        reopens = f" och öppnar igen {format_moment(now.opens_at, schedule.timezone)}" if now.opens_at else ""
        lines = [f"Kontaktcenter har stängt just nu{reopens}."]
    lines.append(f"Vanliga öppettider: {schedule.summary()}.")
    deviating = [day for day in days if _deviates(day, schedule)]
    if deviating:
        lines.append(f"Avvikande öppettider de närmaste dagarna: {', '.join(_describe(day) for day in deviating)}.")
    lines.append(phone_line)
    return "\n".join(lines)


async def _answer_day(
    client: RouterClient, day: date, today: date, schedule: WeeklySchedule, phone_line: str
) -> str:
    days = await client.days(today, DAYS_AHEAD)
    entry = next((candidate for candidate in days if candidate.date == day), None)
    if entry is None:
        raise RouterError(f"/api/hours/days from {today} has no entry for {day}")
    if day == today:
        label = f"I dag, {format_date(day)},"
    elif day == today + timedelta(days=1):
        label = f"I morgon, {format_date(day)},"
    else:
        label = f"På {format_date(day)}"
    hours = f"öppet {format_span(entry.opens, entry.closes)}" if entry.is_open else "stängt"
    note = f" ({entry.note})" if entry.note else ""
    lines = [f"{label} har kontaktcenter {hours}{note}."]
    if _deviates(entry, schedule) and not entry.note:
        lines.append("Det är andra tider än vanligt.")
    lines.append(phone_line)
    return "\n".join(lines)


def _answer_offline(day: date | None, schedule: WeeklySchedule, phone_line: str) -> str:
    if day is None:
        lines = ["Jag kan inte kontrollera om kontaktcenter har öppet just nu."]
    else:
        span = schedule.on(day.weekday())
        plural = f"{WEEKDAY_NAMES[day.weekday()]}ar"
        usual = f"öppet {format_span(span.opens, span.closes)}" if span else "stängt"
        lines = [
            f"Jag kan inte hämta öppettiderna för {format_date(day)} just nu. "
            f"Vanligtvis har kontaktcenter {usual} på {plural}."
        ]
    lines += [
        f"Vanliga öppettider: {schedule.summary()}. {HOLIDAY_CAVEAT}",
        phone_line,
    ]
    return "\n".join(lines)


def _deviates(day: DayHours, schedule: WeeklySchedule) -> bool:
    usual = schedule.on(day.date.weekday())
    if usual is None:
        return day.is_open
    return (day.opens, day.closes) != (usual.opens, usual.closes)


def _describe(day: DayHours) -> str:
    hours = format_span(day.opens, day.closes) if day.is_open else "stängt"
    note = f" ({day.note})" if day.note else ""
    return f"{format_date(day.date)} {hours}{note}"
