"""The markers the router reads (router/rasa/client.py): Rasa's own code turns them into the REST messages
the router expects, the emergency response right after its text, the fallback on the action's replies."""
from __future__ import annotations

import pytest
from rasa.core.actions.action import ActionBotResponse
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from tests.actions.trackers import action_event, make_tracker, user_event


@pytest.mark.asyncio
async def test_rest_channel_sends_the_emergency_marker_right_after_its_text():
    domain = Domain.load("domain.yml")
    variations = domain.responses["utter_emergency"]
    assert variations and all(v.get("custom") == {"answer": "emergency"} for v in variations)
    # The REST channel splits a text at blank lines; only the part before the marker would be marked.
    assert all("\n\n" not in v["text"].strip() for v in variations)
    channel = CollectingOutputChannel()
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    events = await ActionBotResponse("utter_emergency").run(channel, nlg, DialogueStateTracker("x", domain.slots), domain)
    for event in events:
        await channel.send_response("x", event.message())
    assert [sorted(message) for message in channel.messages] == [["recipient_id", "text"], ["custom", "recipient_id"]]
    assert "112" in channel.messages[0]["text"]
    assert channel.messages[1]["custom"] == {"answer": "emergency"}


@pytest.mark.asyncio
async def test_the_fallback_action_marks_its_replies(settings):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("nlu_fallback", events=[action_event("action_listen"), user_event("nlu_fallback", "blergh")])
    await ActionFallback(settings).run(dispatcher, tracker, {})
    assert [message["custom"] for message in dispatcher.messages] == [{"answer": "fallback"}]
