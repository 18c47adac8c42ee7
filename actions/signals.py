"""`action_record_signal` and `action_withdraw_signal`: trygghetssignaler (issue 16).

After the answer to a feeling-unsafe or place-problem message, the router is asked to count the message as a
signal (district, masked place, category, time of day). The router decides and stores; the actions never touch
the database. When a signal was counted the resident is told so in one sentence, with the button "Nej, räkna
inte med det" (intent signal_decline), and `action_withdraw_signal` removes exactly that signal again.
A router that cannot be reached means no signal and no notice: the resident's answer is not affected.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings
from actions.router_client import RouterClient, RouterError

logger = logging.getLogger(__name__)

SIGNAL_SLOT = "signal_id"
DISTRICT_ENTITY = "stadsdel"


def named_district(tracker: Tracker) -> str | None:
    """The district the latest message named (entity `stadsdel`, already canonical where a synonym matched).
    Read from the message, not the slot: the slot is emptied right after the answer that used it."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == DISTRICT_ENTITY and isinstance(entity.get("value"), str):
            return str(entity["value"])
    return None


class ActionRecordSignal(Action):
    def __init__(self, settings: ActionSettings | None = None) -> None:
        self._settings = settings or ActionSettings.from_env()

    def name(self) -> str:
        return "action_record_signal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message
        intent = str((message.get("intent") or {}).get("name") or "")
        text = str(message.get("text") or "")
        if not text.strip() or text.startswith("/"):
            return []  # a button payload describes no place
        try:
            signal_id = await RouterClient(self._settings).record_signal(
                tracker.sender_id, intent, text, named_district(tracker)
            )
        except RouterError as error:
            logger.warning("signal not recorded: %s", error)
            return []
        if signal_id is None:
            return []
        dispatcher.utter_message(response="utter_signal_notice")
        return [SlotSet(SIGNAL_SLOT, signal_id)]


class ActionWithdrawSignal(Action):
    def __init__(self, settings: ActionSettings | None = None) -> None:
        self._settings = settings or ActionSettings.from_env()

    def name(self) -> str:
        return "action_withdraw_signal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        signal_id = tracker.get_slot(SIGNAL_SLOT)
        if not signal_id:
            dispatcher.utter_message(response="utter_signal_none")
            return []
        try:
            await RouterClient(self._settings).withdraw_signal(str(signal_id))
        except RouterError as error:
            # The slot stays, so asking again can still remove it.
            logger.warning("signal not withdrawn: %s", error)
            dispatcher.utter_message(
                text="Det gick inte att ta bort beskrivningen just nu. Skriv ”Nej, räkna inte med det” igen om en stund."
            )
            return []
        dispatcher.utter_message(response="utter_signal_removed")
        return [SlotSet(SIGNAL_SLOT, None)]
