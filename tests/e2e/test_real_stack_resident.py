"""Issue 13 with the real Rasa, action server and router: a complaint is answered with the question
"Vill du prata med en kommunvägledare?" instead of a queue place, and a left message that holds a phone
number is saved without asking for contact details again; without one, the contact question carries the
marker that keeps the widget from warning about the answer, and the "Hoppa över" tap is stored as its title."""
from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.resident_api import open_conversation, say
from tests.e2e.stack import RunningStack

pytestmark = pytest.mark.asyncio

OFFER = "Vill du prata med en kommunvägledare?"
ASKS_CONTACT = "Vill du att vi hör av oss?"


async def test_a_complaint_is_offered_a_person_not_queued(running_stack: RunningStack):
    base = running_stack.base_url
    async with aiohttp.ClientSession() as http:
        conversation, auth = await open_conversation(http, base)
        answer = await say(http, base, conversation, auth, "jag vill klaga på hur staden sköter trygghetsarbetet")
        assert answer["state"] == "bot", answer
        assert OFFER in answer["replies"][-1]["text"], answer
        assert [b["title"] for b in answer["replies"][-1]["buttons"]] == ["Ja", "Nej"]
        declined = await say(http, base, conversation, auth, "/deny")
        assert declined["state"] == "bot" and "Okej" in declined["replies"][0]["text"], declined


async def test_a_left_message_with_a_phone_number_is_not_asked_for_contact(running_stack: RunningStack):
    base = running_stack.base_url
    async with aiohttp.ClientSession() as http:
        conversation, auth = await open_conversation(http, base)
        await say(http, base, conversation, auth, "Jag vill lämna ett meddelande")
        saved = await say(
            http, base, conversation, auth, "Gatlyktan på Järnvägsgatan är trasig, ring mig på 070-123 45 67"
        )
        text = " ".join(reply["text"] for reply in saved["replies"])
        assert "Ditt meddelande är sparat med ärendenummer HBG-2026-" in text, saved
        assert ASKS_CONTACT not in text and "hör av sig till dig" in text

        other, other_auth = await open_conversation(http, base)
        await say(http, base, other, other_auth, "Jag vill lämna ett meddelande")
        asked = await say(http, base, other, other_auth, "Gatlyktan på Järnvägsgatan är trasig sedan en vecka")
        question = asked["replies"][-1]
        assert ASKS_CONTACT in question["text"] and question.get("kind") == "asks_contact", asked
        async with http.post(
            f"{base}/api/conversations/{other}/messages", json={"text": "/deny", "title": "Hoppa över"}, headers=other_auth
        ) as response:
            skipped = await response.json()
        assert "Du lämnade ingen kontaktuppgift" in " ".join(r["text"] for r in skipped["replies"]), skipped
        async with http.get(f"{base}/api/conversations/{other}", headers=other_auth) as response:
            shown = [m["text"] for m in (await response.json())["messages"] if m["from"] == "resident"]
        assert shown[-1] == "Hoppa över"
