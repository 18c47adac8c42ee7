"""`action_submit_left_message`: save the message collected by `leave_message_form`.

The message goes to the router (POST /internal/left-messages), which stores it as a case for
the contact center. Both form slots are reset whatever happens, so a half-finished message
never lingers in the conversation.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings
from actions.router_client import RouterClient, RouterError
from facts.contact import ContactFacts, load_contact_facts

logger = logging.getLogger(__name__)

TEXT_SLOT = "left_message_text"
CONTACT_SLOT = "left_message_contact"
# Answers to "how can we reach you?" that mean "you can't".
NO_CONTACT_ANSWERS = frozenset(
    {"", "-", "ingen", "inget", "inga", "nej", "nej tack", "ingen kontakt", "vill inte", "anonym", "anonymt"}
)


def _other_ways(contact: ContactFacts) -> str:
    return (
        f"Du kan i stället ringa kontaktcenter på {contact.phone} eller mejla {contact.email} "
        f"– mejl besvaras {contact.email_answered}."
    )


def contact_or_none(value: Any) -> str | None:
    """The contact the resident gave, or None when they gave none."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.lower().rstrip(".!") in NO_CONTACT_ANSWERS else text


class ActionSubmitLeftMessage(Action):
    def __init__(self, settings: ActionSettings | None = None) -> None:
        self._settings = settings or ActionSettings.from_env()

    def name(self) -> str:
        return "action_submit_left_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet(TEXT_SLOT, None), SlotSet(CONTACT_SLOT, None)]
        center = load_contact_facts(self._settings.settings_dir)
        text = str(tracker.get_slot(TEXT_SLOT) or "").strip()
        if not text:
            dispatcher.utter_message(text=f"Jag fick inget meddelande att spara. {_other_ways(center)}")
            return reset
        contact = contact_or_none(tracker.get_slot(CONTACT_SLOT))
        try:
            reference = await RouterClient(self._settings).submit_left_message(tracker.sender_id, text, contact)
        except RouterError as error:
            logger.warning("left message for %s not saved: %s", tracker.sender_id, error)
            dispatcher.utter_message(
                text=f"Tyvärr gick det inte att spara ditt meddelande just nu. {_other_ways(center)}"
            )
            return reset
        if contact:
            # No promise of when: only e-mail has a checked answer time; a left message is a case the
            # contact center follows up while it is open.
            follow_up = "En kommunvägledare läser det när kontaktcenter har öppet och hör av sig till dig."
        else:
            follow_up = (
                "Du lämnade ingen kontaktuppgift, så vi kan inte svara dig. "
                f"Vill du ha svar kan du ringa {center.phone} och uppge ärendenumret."
            )
        dispatcher.utter_message(text=f"Tack! Ditt meddelande är sparat med ärendenummer {reference}. {follow_up}")
        return reset
