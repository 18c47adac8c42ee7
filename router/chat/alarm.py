"""The replies a resident gets when the safety net fires: 112 first, and nothing after it that reads
as "I did not understand".

The first bubble is the alarm. It is Rasa's own first reply when that reply is the emergency response
(Rasa marks it, see `router.rasa.client.MARKER_KEY`) and the message is Swedish; otherwise the router's
alarm in the message's language goes first and a marked emergency response later in Rasa's answer is
left out (it would say the same again, in Swedish). A fallback answer after an alarm is replaced by one
reply offering a kommunvägledare and the contact center's phone.

Alarm replies carry "kind": "alarm", stored with the message, so the widget and the console show them
as alarms, live and after a reload.
"""
from __future__ import annotations

import re
from typing import Any

from router import texts
from router.models import ALARM, ASKS_CONTACT
from router.rasa.client import ASKS_CONTACT_MARKER, EMERGENCY_MARKER, FALLBACK_MARKER
from assistant.safety import emergency_reply, is_english


def alarm_reply(message_text: str) -> dict[str, Any]:
    """The router's alarm for this message, in its language."""
    return {"text": emergency_reply(message_text), "buttons": [], "kind": ALARM}


def tel_url(phone: str) -> str:
    """A tel: address for a number as people write it ("042-10 50 00" → "tel:0421050000")."""
    digits = re.sub(r"[^\d+]", "", phone)
    if not re.fullmatch(r"\+?\d{3,15}", digits):
        raise ValueError(f"not a phone number: {phone!r}")
    return f"tel:{digits}"


def after_alarm_reply(phone: str, language: str) -> dict[str, Any]:
    return {
        "text": texts.after_alarm(phone, language),
        "buttons": [
            {"title": texts.AFTER_ALARM_HANDOFF_TITLE[language], "payload": texts.HUMAN_HANDOFF_PAYLOAD},
            {"title": texts.call_button_title(phone, language), "url": tel_url(phone)},
        ],
    }


def compose(message_text: str, replies: list[dict[str, Any]], *, emergency: bool, phone: str) -> list[dict[str, Any]]:
    """The replies to show, alarm first when `emergency` (the safety net fired) or Rasa answered with
    its emergency response. `replies` are Rasa's (with markers, see `router.rasa.client.replies_of`) or
    the router's own; the result has no markers."""
    language = "en" if is_english(message_text) else "sv"
    rasa_alarm_first = bool(replies) and replies[0].get("marker") == EMERGENCY_MARKER and language == "sv"
    shown: list[dict[str, Any]] = []
    if emergency and not rasa_alarm_first:
        shown.append(alarm_reply(message_text))
    alarm_shown = bool(shown)
    replaced_fallback = False
    for reply in replies:
        marker = reply.get("marker")
        plain = {"text": reply["text"], "buttons": reply["buttons"]}
        if marker == EMERGENCY_MARKER:
            if alarm_shown:
                continue
            plain["kind"] = ALARM
            alarm_shown = True
        elif marker == ASKS_CONTACT_MARKER:
            plain["kind"] = ASKS_CONTACT
        elif marker == FALLBACK_MARKER and alarm_shown:
            if not replaced_fallback:
                shown.append(after_alarm_reply(phone, language))
                replaced_fallback = True
            continue
        shown.append(plain)
    return shown
