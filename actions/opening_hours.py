"""`action_opening_hours`: when is the contact center open?

The router owns opening hours and their wording. The action sends it the resident's own words
(`POST /api/hours/days`): "har ni öppet på julafton?", "i helgen", "5/1" … and passes on
the router's answer for those days, with the reason when they differ (helgdag, afton, dagen före
en helgdag, an administrator's deviation). When the message names no day, the slot `weekday`
(the NLU's entity, which also knows short forms such as "fre") is tried; when that names none
either, the answer is the router's general one (`GET /api/hours`): open or closed now, the
normal week and the deviating days ahead. "Today" is always the router's.

When the router cannot be reached, the resident gets the normal week the router last told
(actions/offline_hours.py) and the phone number. The slot is reset after every answer.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings
from actions.offline_hours import KNOWN_WEEK, KnownWeek, offline_answer
from actions.router_client import HoursAnswer, RouterClient, RouterError
from facts.contact import load_contact_facts

logger = logging.getLogger(__name__)

WEEKDAY_SLOT = "weekday"


def phrases_to_ask(tracker: Tracker) -> list[str]:
    """The resident's message (unless it is a button payload such as "/opening_hours"), then the
    `weekday` slot's value if it adds anything."""
    phrases: list[str] = []
    text = (tracker.latest_message or {}).get("text")
    if isinstance(text, str) and text.strip() and not text.lstrip().startswith("/"):
        phrases.append(text)
    slot = tracker.get_slot(WEEKDAY_SLOT)
    if isinstance(slot, list):
        slot = next((item for item in slot if isinstance(item, str)), None)
    if isinstance(slot, str) and slot.strip() and slot not in phrases:
        phrases.append(slot)
    return phrases


class ActionOpeningHours(Action):
    def __init__(self, settings: ActionSettings | None = None, week: KnownWeek = KNOWN_WEEK) -> None:
        self._settings = settings or ActionSettings.from_env()
        self._week = week

    def name(self) -> str:
        return "action_opening_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        phone = load_contact_facts(self._settings.settings_dir).phone
        try:
            answer = await self._ask(RouterClient(self._settings), phrases_to_ask(tracker))
            self._week.remember(answer.week)
            text = f"{answer.text}\nDu når kontaktcenter på {phone}."
        except RouterError as error:
            logger.warning("opening hours from the router failed: %s", error)
            text = offline_answer(self._week, phone)
        dispatcher.utter_message(text=text)
        return [SlotSet(WEEKDAY_SLOT, None)]

    async def _ask(self, client: RouterClient, phrases: list[str]) -> HoursAnswer:
        for phrase in phrases:
            answer = await client.hours_for_phrase(phrase)
            if answer.text is not None:
                return answer
        return await client.hours_now()
