"""End to end with the real Rasa, action server and router: a resident asks a question, asks for a
person, an agent claims the case and answers, closes it, and the bot takes over again."""
from __future__ import annotations

import re

import aiohttp
import pytest

from tests.e2e.resident_api import agent_login, close_case, open_conversation, say
from tests.e2e.stack import RunningStack

pytestmark = pytest.mark.asyncio


async def test_resident_gets_answers_from_the_real_assistant(running_stack: RunningStack):
    base = running_stack.base_url
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/healthz") as response:
            assert await response.json() == {"status": "ok", "rasa": "ok", "actions": "ok", "db": "ok"}
        conversation, auth = await open_conversation(http, base)
        emergency = await say(http, base, conversation, auth, "Hjälp, det brinner i trapphuset hos oss!")
        assert "112" in emergency["replies"][0]["text"]
        hours = await say(http, base, conversation, auth, "Vilka öppettider har kontaktcenter?")
        assert any("08.00" in reply["text"] for reply in hours["replies"]), hours
        assert hours["state"] == "bot"
        # A named day is answered from the router's opening-hours engine (the stack's clock: 30 November 2026).
        christmas_eve = await say(http, base, conversation, auth, "Har ni öppet på julafton?")
        text = " ".join(reply["text"] for reply in christmas_eve["replies"])
        assert "24 december" in text and "stängt" in text, christmas_eve


async def test_resident_reaches_an_agent_and_returns_to_the_bot(running_stack: RunningStack):
    base = running_stack.base_url
    agent, csrf = await agent_login(base)
    try:
        async with agent.post(f"{base}/api/agent/presence", json={"online": True}, headers=csrf) as response:
            assert response.status == 200
        async with aiohttp.ClientSession() as http:
            conversation, auth = await open_conversation(http, base)
            await say(http, base, conversation, auth, "Hej!")
            asked = await say(http, base, conversation, auth, "Jag vill prata med en människa")
            assert asked["state"] == "queued", asked
            reply = " ".join(r["text"] for r in asked["replies"])
            assert re.search(r"HBG-2026-\d{6}", reply), reply

            async with agent.get(f"{base}/api/agent/queue") as response:
                queue = await response.json()
            case = next(c for c in queue["queue"] if c["conversation_id"] == conversation)
            async with agent.post(f"{base}/api/agent/cases/{case['id']}/claim", headers=csrf) as response:
                assert response.status == 200, await response.text()
            async with agent.post(
                f"{base}/api/agent/cases/{case['id']}/messages",
                json={"text": "Hej, jag heter Anna. Hur kan jag hjälpa dig?"},
                headers=csrf,
            ) as response:
                assert response.status == 201

            to_agent = await say(http, base, conversation, auth, "Det gäller klotter på vår skola")
            assert to_agent == {"replies": [], "state": "agent"}
            async with http.get(f"{base}/api/conversations/{conversation}", headers=auth) as response:
                transcript = await response.json()
            senders = [(m["from"], m["text"]) for m in transcript["messages"]]
            assert ("agent", "Hej, jag heter Anna. Hur kan jag hjälpa dig?") in senders
            assert senders[-1] == ("resident", "Det gäller klotter på vår skola")

            await close_case(agent, base, csrf, case["id"])

            back = await say(http, base, conversation, auth, "Vad är Tryggare Helsingborg?")
            assert back["state"] == "bot"
            assert back["replies"], "the bot must answer again after the case is closed"
    finally:
        await agent.close()
