"""`action_session_start`: every conversation session starts with the contact center's details and the
public-record notice in slots.

The bot's answers in domain.yml name these facts as placeholders ({contact_phone}, {contact_email},
{contact_address}, {public_record_notice} …), and Rasa fills a response's placeholders from the slots of
the same name. Setting the slots here, from settings/contact.yml, keeps that file the only place the facts
are written: an administrator edits it and restarts the action server, and no new model is needed. The
alternative — the values as `initial_value` in domain.yml, kept equal to the file by a test — would be a
second copy of each fact, and every change would need a retrained model.

The price: the slots are only as available as the action server. Should it be unreachable when a session
starts, Rasa goes on without these events and such an answer would show "None" for the number; the
conversation cannot be handed over or a message left in that state either, and GET /healthz reports the
action server as down. The safety numbers (112, 114 14 …) are therefore written in the answers themselves,
never filled from a slot, and a test checks each of them against settings/contact.yml.

The domain's session configuration does not carry slots over (`carry_over_slots_to_new_session: false`),
so the facts are set afresh at every session start, as Rasa's own `action_session_start` would do.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings
from facts.contact import load_contact_facts


class ActionSessionStart(Action):
    def __init__(self, settings: ActionSettings | None = None) -> None:
        self._settings = settings or ActionSettings.from_env()
        # The action server creates its actions when it starts: a wrong contact.yml stops it here.
        load_contact_facts(self._settings.settings_dir)

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        contact = load_contact_facts(self._settings.settings_dir)
        events: list[EventType] = [SessionStarted()]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata:
            events.append(SlotSet("session_started_metadata", metadata))
        events += [SlotSet(name, value) for name, value in contact.placeholders().items()]
        events.append(ActionExecuted("action_listen"))
        return events
