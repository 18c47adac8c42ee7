"""`action_forget_district`: empty the `stadsdel` slot right after the answer that used it.

A district belongs to the message that named it (issue 11 item 6). Rasa keeps a slot for the rest of the
session, so without this a district named once ("otryggt på Drottninghög") would come back in a later
feeling-unsafe answer about somewhere else. The slot mapping in domain.yml also fills the slot only from a
feeling-unsafe message, so no other topic can leave a district behind.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

DISTRICT_SLOT = "stadsdel"


class ActionForgetDistrict(Action):
    def name(self) -> str:
        return "action_forget_district"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet(DISTRICT_SLOT, None)] if tracker.get_slot(DISTRICT_SLOT) is not None else []
