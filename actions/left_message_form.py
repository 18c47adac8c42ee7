"""`validate_leave_message_form`: a phone number or e-mail address written in the left message is the
contact (issue 13).

The form asks "Vill du att vi hör av oss? …" only when the message has no way to reach the resident;
when it has one, the contact slot is filled from the message and the form goes straight to saving, so
the resident is never asked for what they already wrote.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.left_message import CONTACT_SLOT, TEXT_SLOT

EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
# Swedish numbers as people write them: 070-123 45 67, 0701234567, +46 70 123 45 67, 042-10 50 00.
PHONE = re.compile(r"(?<![\d+])(?:\+46[ \u00a0]?|0)\d[\d \u00a0-]{5,14}\d(?!\d)")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 8, 13


def contact_in(text: str) -> str | None:
    """The first e-mail address or phone number in `text`, as written; None when there is none."""
    email = EMAIL.search(text)
    if email:
        return email.group(0)
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            return " ".join(match.group(0).split())
    return None


class ValidateLeaveMessageForm(FormValidationAction):
    def name(self) -> str:
        return "validate_leave_message_form"

    async def validate_left_message_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not isinstance(value, str) or not value.strip():
            return {TEXT_SLOT: None}
        found = contact_in(value)
        return {TEXT_SLOT: value, CONTACT_SLOT: found} if found else {TEXT_SLOT: value}
