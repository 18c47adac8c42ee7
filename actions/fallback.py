"""`action_fallback`: the answer when NLU did not understand (intent `nlu_fallback`).

First miss: ask the resident to rephrase and offer suggestion buttons. Second miss in a row
(the previous user message was also a miss, answered by this action, with no understood
message between): ask whether the resident wants a kommunvägledare; "Ja" runs `action_handoff`,
which queues with reason "fallback" (never queued without asking, issue 13).

Design choice: the first miss is NOT undone with `UserUtteranceReverted`. Reverting would
remove the miss from the tracker, so on the next turn the action could no longer see that the
previous message was a miss too. The action returns no events and counts on the tracker
instead: the previous user event of the current session must have the intent `nlu_fallback`
and have been answered by `action_fallback`. A message that filled a form slot (for example
the free text of `leave_message_form`) is not answered by this action and so never counts.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import ActionSettings

FALLBACK_INTENT = "nlu_fallback"
ACTION_NAME = "action_fallback"

REPHRASE_TEXT = (
    "Förlåt, jag förstod inte riktigt. Kan du skriva det på ett annat sätt? "
    "Du kan också välja något av det här:"
)
# The second miss asks before queueing (issue 13): "Ja" (/affirm) hands over with reason "fallback"
# (data/rules.yml, actions/handoff.py), "Nej" (/deny) is answered by utter_deny.
OFFER_TEXT = "Jag förstår tyvärr fortfarande inte. Vill du prata med en kommunvägledare?"
OFFER_BUTTONS = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}]
SUGGESTIONS = [
    {"title": "Anmäla ett brott", "payload": "/report_crime"},
    {"title": "Öppettider", "payload": "/opening_hours"},
    {"title": "Känner mig otrygg", "payload": "/feeling_unsafe"},
    {"title": "Prata med en kommunvägledare", "payload": "/human_handoff"},
]
# Tells the router this reply is a "did not understand", never to be shown after a 112 alarm
# (router/rasa/client.py, MARKER_KEY).
FALLBACK_MARKER = {"answer": "fallback"}


def previous_turn_was_miss(tracker: Tracker) -> bool:
    """Was the user message before the latest one also a miss answered by this action?"""
    events = tracker.applied_events()
    session_starts = [index for index, event in enumerate(events) if event.get("event") == "session_started"]
    if session_starts:
        events = events[session_starts[-1] + 1 :]
    user_turns = [index for index, event in enumerate(events) if event.get("event") == "user"]
    if len(user_turns) < 2:
        return False
    previous, latest = user_turns[-2], user_turns[-1]
    intent = ((events[previous].get("parse_data") or {}).get("intent") or {}).get("name")
    if intent != FALLBACK_INTENT:
        return False
    return any(
        event.get("event") == "action" and event.get("name") == ACTION_NAME for event in events[previous + 1 : latest]
    )


class ActionFallback(Action):
    def __init__(self, settings: ActionSettings | None = None) -> None:
        self._settings = settings or ActionSettings.from_env()

    def name(self) -> str:
        return ACTION_NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if previous_turn_was_miss(tracker):
            dispatcher.utter_message(text=OFFER_TEXT, buttons=OFFER_BUTTONS, json_message=FALLBACK_MARKER)
            return []
        dispatcher.utter_message(text=REPHRASE_TEXT, buttons=SUGGESTIONS, json_message=FALLBACK_MARKER)
        return []
