"""The router's side of the locks on the local doors (doors/): it presents RASA_TOKEN to Rasa's REST
channel in a header, and the processes `python -m bot run` starts carry no secret on their command lines."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.services import Ports, Stack
from router.app import create_app
from tests.router.client_steps import new_conversation
from tests.router.constants import RASA_TOKEN

SECRETS = {"RASA_TOKEN": "token-that-must-not-show-in-ps", "INTERNAL_SECRET": "secret-that-must-not-show-in-ps"}


@pytest.mark.asyncio
async def test_the_router_presents_the_token_to_rasas_rest_channel(client, rasa):
    conversation_id, auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)
    assert response.status == 200 and (await response.json())["replies"][0]["text"] == "Du skrev: hej"
    assert rasa.refused == 0 and len(rasa.received) == 1


@pytest.mark.asyncio
async def test_a_router_with_the_wrong_token_is_refused_by_the_channel(aiohttp_client, settings, clock, options, rasa):
    client = await aiohttp_client(create_app(replace(settings, rasa_token=RASA_TOKEN + "-old"), clock=clock,
                                             options=options))
    conversation_id, auth = await new_conversation(client)
    await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)
    assert rasa.refused == 1 and rasa.received == []


def test_no_secret_on_the_command_lines_bot_run_starts(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    stack = Stack(model=Path("models/model.tar.gz"), ports=Ports(router=18080, rasa=15005, actions=15055))
    commands = stack.commands()
    assert set(commands) == {"actions", "rasa", "router"}
    for name, argv in commands.items():
        line = " ".join(argv)
        assert not any(secret in line for secret in SECRETS.values()), name
        assert "--auth-token" not in argv and "-t" not in argv, name
    assert commands["rasa"][1:3] == ["-m", "doors.rasa_server"]
    assert commands["actions"][1:3] == ["-m", "doors.action_server"]
    environment = stack.environment()  # where the processes find them instead
    assert all(environment[name] == value for name, value in SECRETS.items())
