"""Issue 11 on the real stack (Rasa, action server, router): a resident in danger is told to call 112
first, in every state of the conversation — with the assistant, queued for a person, talking to a
kommunvägledare, and after the chat was closed — and no "I did not understand" follows the alarm."""
from __future__ import annotations

import re

import aiohttp
import pytest

from tests.e2e.resident_api import agent_login, close_case, open_conversation, say
from tests.e2e.stack import RunningStack

pytestmark = pytest.mark.asyncio

DID_NOT_UNDERSTAND = re.compile(r"förstod inte|didn't understand|did not understand", re.IGNORECASE)


def first_two_sentences(text: str) -> str:
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:2])


def assert_alarm_first(answer: dict) -> None:
    """112 in the first two sentences of the first bubble, and no fallback anywhere after it."""
    replies = answer["replies"]
    assert replies, answer
    assert "112" in first_two_sentences(replies[0]["text"]), replies[0]
    assert not any(DID_NOT_UNDERSTAND.search(reply["text"]) for reply in replies), replies


@pytest.mark.parametrize(
    "text",
    [
        "det luktar gas i hela lägenheten",
        "man med kniv utanför min dörr, jag känner mig otrygg",
        "hjälp han slår mig nu",
        "Hjälp, det brinner i trapphuset hos oss!",
    ],
)
async def test_danger_with_the_assistant_gets_112_first(running_stack: RunningStack, text: str) -> None:
    base = running_stack.base_url
    async with aiohttp.ClientSession() as http:
        conversation, auth = await open_conversation(http, base)
        assert_alarm_first(await say(http, base, conversation, auth, text))


async def test_danger_in_english_gets_the_english_alarm_first(running_stack: RunningStack) -> None:
    base = running_stack.base_url
    async with aiohttp.ClientSession() as http:
        conversation, auth = await open_conversation(http, base)
        answer = await say(http, base, conversation, auth, "Help! Someone is breaking into my house right now")
    assert_alarm_first(answer)
    assert "Call 112" in answer["replies"][0]["text"], answer


async def test_danger_while_queued_talking_to_an_agent_and_after_closing(running_stack: RunningStack) -> None:
    base = running_stack.base_url
    agent, csrf = await agent_login(base)
    try:
        async with agent.post(f"{base}/api/agent/presence", json={"online": True}, headers=csrf) as response:
            assert response.status == 200
        async with aiohttp.ClientSession() as http:
            conversation, auth = await open_conversation(http, base)
            queued = await say(http, base, conversation, auth, "Jag vill prata med en människa")
            assert queued["state"] == "queued", queued

            in_queue = await say(http, base, conversation, auth, "hjälp han slår mig nu")
            assert in_queue["state"] == "queued"
            assert_alarm_first(in_queue)

            async with agent.get(f"{base}/api/agent/queue") as response:
                queue = (await response.json())["queue"]
            case = next(c for c in queue if c["conversation_id"] == conversation)
            assert queue[0]["conversation_id"] == conversation, "an urgent case goes to the top of the queue"
            async with agent.post(f"{base}/api/agent/cases/{case['id']}/claim", headers=csrf) as response:
                assert response.status == 200, await response.text()

            with_agent = await say(http, base, conversation, auth, "han har en kniv och hotar mig")
            assert with_agent["state"] == "agent"
            assert_alarm_first(with_agent)
            ordinary = await say(http, base, conversation, auth, "Det gäller klotter på vår skola")
            assert ordinary == {"replies": [], "state": "agent"}, "ordinary messages go to the agent alone"

            await close_case(agent, base, csrf, case["id"])
            after_closing = await say(http, base, conversation, auth, "det brinner i köket!")
            assert after_closing["state"] == "bot"
            assert_alarm_first(after_closing)

            async with http.get(f"{base}/api/conversations/{conversation}", headers=auth) as response:
                transcript = (await response.json())["messages"]
            alarms = [m for m in transcript if m["from"] != "resident" and "112" in first_two_sentences(m["text"])]
            assert len(alarms) >= 3, "every alarm is kept in the transcript"
    finally:
        await agent.close()
