"""`action_handoff`: put the conversation in the queue for a kommunvägledare.

The router decides whether that is possible (docs/architecture.md, POST /internal/handoff);
this module turns its answer into Swedish. `hand_off` is shared with the NLU fallback, which
hands over after two misses in a row.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings
from actions.offline_hours import KNOWN_WEEK, KnownWeek, usual_hours
from actions.router_client import HandoffResult, RouterClient, RouterError
from facts.contact import ContactFacts, load_contact_facts

logger = logging.getLogger(__name__)

LEAVE_MESSAGE_BUTTON = {"title": "Lämna ett meddelande", "payload": "/leave_message"}
TOPIC_INTENTS = ("welfare_crime_tip", "complaint_safety_work")

CONFIRM_INTENT = "affirm"
FALLBACK_INTENT = "nlu_fallback"


def handoff_reason(intent: str | None) -> tuple[str, str | None]:
    """The contract's (reason, topic) for the intent that asked for a person."""
    if intent in TOPIC_INTENTS:
        return "topic", intent
    if intent == FALLBACK_INTENT:
        return "fallback", None
    return "requested", None


def asking_intent(tracker: Tracker) -> str | None:
    """The intent that led to the handoff.

    A tip, a complaint or a second miss is only queued after the bot asked "Vill du prata med en
    kommunvägledare?" and the resident said yes (issue 13), so for "Ja" (affirm) the reason and topic
    come from the resident's message before it.
    """
    latest = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if latest != CONFIRM_INTENT:
        return latest
    user_events = [event for event in tracker.events if event.get("event") == "user"]
    if len(user_events) < 2:
        return latest
    previous = ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name")
    return previous if previous in (*TOPIC_INTENTS, FALLBACK_INTENT) else latest


async def hand_off(
    dispatcher: CollectingDispatcher,
    conversation_id: str,
    settings: ActionSettings,
    reason: str,
    topic: str | None,
    week: KnownWeek = KNOWN_WEEK,
) -> list[EventType]:
    """Ask the router for a handoff and tell the resident what happens next.

    Returns `[ConversationPaused()]` when the conversation is in the queue, else no events.
    """
    contact = load_contact_facts(settings.settings_dir)
    try:
        result = await RouterClient(settings).request_handoff(conversation_id, reason, topic)
    except RouterError as error:
        logger.warning("handoff for %s failed: %s", conversation_id, error)
        dispatcher.utter_message(text=_unreachable_text(week, contact), buttons=[LEAVE_MESSAGE_BUTTON])
        return []

    if result.outcome in ("queued", "already_queued"):
        dispatcher.utter_message(text=result.text)  # worded by the router (router/texts.py, in_queue)
        dispatcher.utter_message(text=f"{contact.public_record_notice} Är det akut – ring 112.")
        return [ConversationPaused()]
    if result.outcome == "closed":
        dispatcher.utter_message(text=_closed_text(result), buttons=[LEAVE_MESSAGE_BUTTON])
        return []
    dispatcher.utter_message(text=_no_chat_text(result, contact), buttons=[LEAVE_MESSAGE_BUTTON])
    return []


class ActionHandoff(Action):
    def __init__(self, settings: ActionSettings | None = None, week: KnownWeek = KNOWN_WEEK) -> None:
        self._settings = settings or ActionSettings.from_env()
        self._week = week

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reason, topic = handoff_reason(asking_intent(tracker))
        return await hand_off(dispatcher, tracker.sender_id, self._settings, reason, topic, self._week)


def _closed_text(result: HandoffResult) -> str:
    """When it opens again comes worded from the router (`opens_at_text`); without it, unsaid."""
    sentences = ["Just nu kan ingen kommunvägledare svara i chatten."]
    if result.opens_at_text:
        sentences.append(f"Kontaktcenter öppnar igen {result.opens_at_text}.")
    sentences += [
        "Du kan lämna ett meddelande här, så tar en kommunvägledare hand om det när kontaktcenter har öppnat.",
        "Är det akut – ring 112. Polisärenden som inte är akuta: ring 114 14.",
    ]
    return " ".join(sentences)


def _no_chat_text(result: HandoffResult, contact: ContactFacts) -> str:
    phone = result.phone or contact.phone
    if result.outcome == "closing_soon":
        closes = f" (kl. {_clock(result.closes_at)})" if result.closes_at else ""
        first = f"Kontaktcenter stänger snart{closes}, så vi hinner inte starta en chatt med en kommunvägledare i dag."
    else:
        first = "Just nu finns ingen kommunvägledare ledig i chatten."
    return (
        f"{first} Du kan lämna ett meddelande här, så tar en kommunvägledare hand om det, "
        f"eller ringa kontaktcenter på {phone}."
    )


def _clock(moment: datetime) -> str:
    """'17.00': the router sends times in its own time zone (Europe/Stockholm), shown as they are."""
    return f"{moment.hour:02d}.{moment.minute:02d}"


def _unreachable_text(week: KnownWeek, contact: ContactFacts) -> str:
    text = (
        "Det går inte att nå en kommunvägledare via chatten just nu. "
        f"Du kan ringa kontaktcenter på {contact.phone} eller lämna ett meddelande här."
    )
    usual = usual_hours(week)
    return f"{text}\n{usual}" if usual else text
