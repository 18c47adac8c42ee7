"""Locks on the local doors (doors/): Rasa's REST channel takes a message only with the router's token,
the action server runs an action only for a caller with the internal secret, and neither secret is
needed on a command line. Real Sanic servers on 127.0.0.1, called over HTTP; the REST channel is
registered the way `rasa run` registers it, with a stand-in for the trained agent (no model here)."""
from __future__ import annotations

import os
import subprocess
import sys

import aiohttp
import pytest
import pytest_asyncio
from rasa.core.channels import channel as rasa_channels
from rasa.core.run import create_http_input_channels
from rasa.server import add_root_route
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

from actions.config import PROJECT_ROOT
from assistant.rasa_env import ENDPOINT_DEFAULTS
from doors.action_server import SecretCheck
from doors.rasa_server import arguments
from doors.rest_channel import SecretRestInput
from doors.secret import MissingSecret, presented
from tests.actions.router_stub import SECRET, RouterStub
from tests.actions.sanic_server import serving
from tests.actions.trackers import CONVERSATION_ID

TOKEN = "rasa-door-token"

Sanic.test_mode = True  # rasa-sdk names every app it creates "rasa_sdk"


class Processor:
    """Stands in for Rasa's message processor: "hej" is a greeting, anything else is not understood."""

    def __init__(self) -> None:
        self.parsed: list[str] = []

    async def parse_message(self, message) -> dict:
        self.parsed.append(message.text)
        if message.text == "kraschar":
            raise RuntimeError("no model")
        name, confidence = ("greet", 0.97) if message.text == "hej" else ("nlu_fallback", 0.41)
        return {"text": message.text, "intent": {"name": name, "confidence": confidence}, "entities": []}


class Agent:
    """Stands in for Rasa's trained agent behind the channel: remembers the message with the parse data it
    came with and answers it."""

    def __init__(self) -> None:
        self.processor = Processor()
        self.messages: list[tuple[str, str]] = []
        self.parse_data: list[dict | None] = []

    async def handle_message(self, message) -> None:
        self.messages.append((message.sender_id, message.text))
        self.parse_data.append(message.parse_data)
        await message.output_channel.send_text_message(message.sender_id, f"Du skrev: {message.text}")


@pytest_asyncio.fixture
async def rasa_url():
    app = Sanic("rasa_door_test")
    app.ctx.agent = agent = Agent()
    add_root_route(app)
    rasa_channels.register([SecretRestInput(TOKEN)], app, route="/webhooks/")
    async with serving(app) as url:
        yield url, agent


async def _post(url: str, headers: dict[str, str], body: dict) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.asyncio
@pytest.mark.parametrize("headers", [{}, {"X-Rasa-Token": "wrong"}, {"X-Rasa-Token": ""},
                                     {"Authorization": f"Bearer {TOKEN}"}, {"X-Rasa-Token": TOKEN + "x"}])
async def test_the_rest_channel_refuses_a_message_without_the_token(rasa_url, headers):
    url, agent = rasa_url
    status, body = await _post(f"{url}/webhooks/rest/webhook", headers, {"sender": "stranger", "message": "hej"})
    assert status == 401 and body["error"] == "unauthorized"
    assert agent.messages == []


@pytest.mark.asyncio
async def test_the_rest_channel_takes_the_routers_message(rasa_url):
    url, agent = rasa_url
    status, body = await _post(f"{url}/webhooks/rest/webhook", {"X-Rasa-Token": TOKEN},
                               {"sender": "c1", "message": "hej"})
    assert status == 200 and body == [
        {"recipient_id": "c1", "text": "Du skrev: hej"},
        {"recipient_id": "c1", "custom": {"intent": {"name": "greet", "confidence": 0.97}}},
    ]
    assert agent.messages == [("c1", "hej")]
    # Understood once: the processor gets the channel's parse with the message instead of parsing again.
    assert agent.processor.parsed == ["hej"]
    assert agent.parse_data == [{"text": "hej", "intent": {"name": "greet", "confidence": 0.97}, "entities": []}]
    # Rasa's own routes outside the channel are not behind the channel's lock.
    async with aiohttp.ClientSession() as http, http.get(f"{url}/") as response:
        assert response.status == 200


@pytest.mark.asyncio
async def test_a_message_rasa_cannot_parse_is_still_handled_and_names_no_intent(rasa_url):
    url, agent = rasa_url
    status, body = await _post(f"{url}/webhooks/rest/webhook", {"X-Rasa-Token": TOKEN},
                               {"sender": "c2", "message": "kraschar"})
    assert status == 200 and body == [{"recipient_id": "c2", "text": "Du skrev: kraschar"}]
    assert agent.parse_data == [None]  # the processor parses it itself (and fails as Rasa does without a model)


def test_credentials_yml_names_the_locked_channel(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setenv("RASA_TOKEN", TOKEN)
    [channel] = create_http_input_channels(None, "credentials.yml")
    assert isinstance(channel, SecretRestInput) and channel.token == TOKEN
    assert channel.url_prefix() == "rest"  # the webhook stays /webhooks/rest/webhook
    monkeypatch.setenv("RASA_TOKEN", "")
    with pytest.raises(MissingSecret):
        create_http_input_channels(None, "credentials.yml")


def test_endpoints_yml_makes_rasa_send_the_internal_secret(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    for name, value in ENDPOINT_DEFAULTS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("INTERNAL_SECRET", SECRET)
    endpoint = read_endpoint_config("endpoints.yml", "action_endpoint")
    assert endpoint.headers == {"X-Internal-Secret": SECRET}
    assert not endpoint.params and endpoint.token is None  # nothing in the URL, so nothing in access logs


def _action_call(name: str, slots: dict) -> dict:
    tracker = {"sender_id": CONVERSATION_ID, "slots": slots, "latest_message": {"intent": {}, "entities": []},
               "events": [], "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": None}
    return {"next_action": name, "sender_id": CONVERSATION_ID, "tracker": tracker, "domain": {}, "version": "3.6.2"}


@pytest_asyncio.fixture
async def action_server(router: RouterStub, monkeypatch):
    """rasa-sdk's app with the actions of this project, extended through its plugin hook as
    `python -m doors.action_server` does, pointing at a router stand-in."""
    monkeypatch.setenv("ROUTER_URL", router.url)
    monkeypatch.setenv("INTERNAL_SECRET", SECRET)
    check = SecretCheck(SECRET)
    plugin_manager().register(check)
    try:
        app = create_app("actions")
        plugin_manager().hook.attach_sanic_app_extensions(app=app)
    finally:
        plugin_manager().unregister(check)
    async with serving(app) as url:
        yield url


FORGED = _action_call("action_submit_left_message", {"left_message_text": "påhittat ärende",
                                                     "left_message_contact": None})


@pytest.mark.asyncio
@pytest.mark.parametrize("headers", [{}, {"X-Internal-Secret": "wrong"}, {"X-Internal-Secret": "åäö"}])
async def test_a_forged_action_call_is_refused_and_creates_no_case(action_server, router, headers):
    status, body = await _post(f"{action_server}/webhook", headers, FORGED)
    assert status == 401 and body["error"] == "unauthorized"
    async with aiohttp.ClientSession() as http, http.get(f"{action_server}/actions", headers=headers) as response:
        assert response.status == 401
    assert router.requests == []


@pytest.mark.asyncio
async def test_rasas_action_call_with_the_secret_runs_the_action(action_server, router):
    router.reply("POST", "/internal/left-messages", status=201, json_body={"reference": "HBG-1"})
    # Rasa's own client, configured as endpoints.yml configures it.
    endpoint = EndpointConfig(url=f"{action_server}/webhook", headers={"X-Internal-Secret": SECRET})
    result = await endpoint.request(json=FORGED, method="post")
    assert "HBG-1" in result["responses"][0]["text"]
    assert [request.path for request in router.requests] == ["/internal/left-messages"]
    async with aiohttp.ClientSession() as http, http.get(f"{action_server}/health") as response:
        assert response.status == 200  # readiness checks need no secret


def test_secrets_are_compared_strictly():
    assert presented("abc", "abc")
    assert not presented("abc", "") and not presented("", "") and not presented(None, "abc")
    assert not presented("ab", "abc") and not presented("äbc", "äbc")


def test_rasa_gets_its_token_from_the_environment_not_the_command_line():
    assert arguments(["run", "--enable-api", "--port", "5005"], TOKEN) == [
        "run", "--enable-api", "--port", "5005", f"--auth-token={TOKEN}"]
    assert arguments(["run", "actions", "--port", "5055"], TOKEN) == ["run", "actions", "--port", "5055"]
    assert arguments(["train"], TOKEN) == ["train"]
    for given in (["run", "--auth-token", "x"], ["run", "-t", "x"], ["run", "--auth-token=x"]):
        with pytest.raises(MissingSecret):
            arguments(given, TOKEN)


@pytest.mark.parametrize("token", ["-XJ4nV0Ayq", "--looks-like-an-option", "plain"])
def test_rasa_reads_any_token_including_one_that_starts_with_a_dash(token):
    from rasa.__main__ import create_argument_parser

    parsed = create_argument_parser().parse_args(arguments(["run", "--enable-api", "--port", "5005"], token))
    assert parsed.auth_token == token


@pytest.mark.parametrize("module, variable", [("doors.action_server", "INTERNAL_SECRET"),
                                              ("doors.rasa_server", "RASA_TOKEN")])
def test_the_servers_refuse_to_start_without_their_secret(module, variable):
    env = {key: value for key, value in os.environ.items() if key not in ("INTERNAL_SECRET", "RASA_TOKEN")}
    env[variable] = ""
    done = subprocess.run([sys.executable, "-m", module, "run", "--port", "1"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and f"{variable} is empty" in done.stderr
