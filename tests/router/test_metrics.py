"""GET /metrics: the chat's Prometheus metrics after real conversations through the app (fake Rasa over
HTTP), who may read them, and that they carry no text a resident wrote."""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import replace
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from router.app import create_app
from router.core.options import RouterOptions
from router.keys import ENGINE_KEY
from tests.router.client_steps import agent_online, handoff, new_conversation, open_resident_socket, queued_case
from tests.router.constants import MONDAY_10
from tests.router.fake_rasa import rest_messages

pytestmark = pytest.mark.asyncio

GAS = "det luktar gas i hela lägenheten"
PERSONAL = "Jag heter Anna Svensson, 19121212-1212"
METRICS_TOKEN = "metrics-test-token"
MODEL = "models/20261130-090000-test-model.tar.gz"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _metrics(client, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return _parse(await response.text())


def _parse(body: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def _say(client, conversation_id: str, auth: dict[str, str], words: str) -> dict:
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": words}, headers=auth)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_short_chat_shows_in_the_metrics(client, rasa, clock) -> None:
    rasa.model_file = MODEL
    rasa.answer = lambda sender, words: (
        rest_messages("Förlåt, jag förstod inte.", marker="fallback") if words == "blä" else
        [{"recipient_id": sender, "text": "Hej!"}]
    )
    before = await _metrics(client)
    assert _value(before, "chat_conversations_total") == 0

    conversation_id, auth = await new_conversation(client)
    await _say(client, conversation_id, auth, "hej")
    await _say(client, conversation_id, auth, "blä")
    await _say(client, conversation_id, auth, GAS)
    csrf = await agent_online(client)
    case_id, _, _ = await queued_case(client)
    clock.set(MONDAY_10 + timedelta(minutes=3))
    claimed = await client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})
    assert claimed.status == 200

    after = await _metrics(client)
    assert _value(after, "chat_conversations_total") == 2
    assert _value(after, "chat_messages_total", sender="resident") == 3
    assert _value(after, "chat_messages_total", sender="bot") == 4  # Hej!, the fallback, the alarm and Rasa's reply
    assert _value(after, "chat_messages_total", sender="system") == 1  # "Anna har anslutit"
    assert _value(after, "chat_messages_total", sender="agent") == 0
    assert _value(after, "chat_bot_reply_seconds_count") == 3
    assert _value(after, "chat_rasa_request_seconds_count") == 3
    assert _value(after, "chat_fallbacks_total") == 1
    assert _value(after, "chat_emergency_alarms_total", state="bot") == 1
    assert _value(after, "chat_handoffs_total", outcome="queued") == 1
    assert _value(after, "chat_queue_wait_seconds_count") == 1
    assert _value(after, "chat_queue_wait_seconds_bucket", le="120.0") == 0
    assert _value(after, "chat_queue_wait_seconds_bucket", le="300.0") == 1
    assert _value(after, "chat_queue_length") == 0
    assert _value(after, "chat_agents_online") == 1
    assert _value(after, "chat_rasa_up") == 1
    assert _value(after, "chat_model_info", model="20261130-090000-test-model.tar.gz") == 1
    assert _value(after, "chat_open") == 1
    assert _value(after, "chat_queue_wait_setting_seconds") == 300
    assert _value(after, "chat_db_errors_total") == 0
    assert sum(v for (name, _), v in after.items() if name == "chat_rasa_errors_total") == 0


async def test_queue_length_is_read_when_scraped(client) -> None:
    await agent_online(client)
    await queued_case(client)
    await queued_case(client)
    assert _value(await _metrics(client), "chat_queue_length") == 2


async def test_declined_handoffs_are_counted_by_outcome(client, clock) -> None:
    conversation_id, _ = await new_conversation(client)
    assert (await (await handoff(client, conversation_id)).json())["outcome"] == "no_agent"
    clock.set(MONDAY_10 + timedelta(hours=12))  # 22:00 in Stockholm
    assert (await (await handoff(client, conversation_id)).json())["outcome"] == "closed"
    samples = await _metrics(client)
    assert _value(samples, "chat_handoffs_total", outcome="no_agent") == 1
    assert _value(samples, "chat_handoffs_total", outcome="closed") == 1
    assert _value(samples, "chat_handoffs_total", outcome="queued") == 0
    assert _value(samples, "chat_open") == 0


async def test_an_alarm_while_queued_is_counted_with_its_state(client) -> None:
    await agent_online(client)
    _, conversation_id, auth = await queued_case(client)
    await _say(client, conversation_id, auth, GAS)
    samples = await _metrics(client)
    assert _value(samples, "chat_emergency_alarms_total", state="queued") == 1
    assert _value(samples, "chat_emergency_alarms_total", state="bot") == 0


@pytest.mark.parametrize(("mode", "kind"), [("error", "status"), ("drop", "connection"), ("slow", "timeout")])
async def test_rasa_failures_are_counted_by_kind(client, rasa, mode: str, kind: str) -> None:
    conversation_id, auth = await new_conversation(client)
    rasa.mode = mode
    await _say(client, conversation_id, auth, "hej")
    samples = await _metrics(client)
    assert _value(samples, "chat_rasa_errors_total", kind=kind) >= 1
    assert _value(samples, "chat_bot_reply_seconds_count") == 1


async def test_rasa_answering_nothing_is_an_error_and_rasa_down_shows(client, rasa) -> None:
    rasa.model_file = MODEL
    conversation_id, auth = await new_conversation(client)
    rasa.answer = lambda sender, words: []
    await _say(client, conversation_id, auth, "hej")
    samples = await _metrics(client)
    assert _value(samples, "chat_rasa_errors_total", kind="empty_answer") == 1
    assert _value(samples, "chat_rasa_up") == 1
    rasa.model_loaded = False  # up, but without a model: no model to name
    samples = await _metrics(client)
    assert _value(samples, "chat_rasa_up") == 1
    assert not any(name == "chat_model_info" for name, _ in samples)
    rasa.mode = "error"
    samples = await _metrics(client)
    assert _value(samples, "chat_rasa_up") == 0
    assert not any(name == "chat_model_info" for name, _ in samples)


@pytest.mark.parametrize("options", [RouterOptions(conversation_per_minute=1, rasa_timeout_seconds=1)])
async def test_rate_limited_requests_are_counted_by_scope(client) -> None:
    conversation_id, auth = await new_conversation(client)
    await _say(client, conversation_id, auth, "hej")
    refused = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)
    assert refused.status == 429
    samples = await _metrics(client)
    assert _value(samples, "chat_rate_limited_total", scope="conversation") == 1
    assert _value(samples, "chat_rate_limited_total", scope="address") == 0


async def test_open_websockets_are_counted_by_kind(client) -> None:
    conversation_id, auth = await new_conversation(client)
    resident = await open_resident_socket(client, conversation_id, auth)
    assert (await resident.receive_json())["type"] == "state"
    await agent_online(client)
    console = await client.ws_connect("/ws/agent")
    assert (await console.receive_json())["type"] == "presence"
    samples = await _metrics(client)
    assert _value(samples, "chat_websockets_open", kind="resident") == 1
    assert _value(samples, "chat_websockets_open", kind="agent") == 1
    await resident.close()
    await console.close()


async def test_database_errors_are_counted(client) -> None:
    with pytest.raises(Exception):
        async with client.app[ENGINE_KEY].connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))
    assert _value(await _metrics(client), "chat_db_errors_total") == 1


async def test_each_app_counts_only_its_own(client, aiohttp_client, settings, clock, options) -> None:
    other = await aiohttp_client(create_app(settings, clock=clock, options=options))
    conversation_id, auth = await new_conversation(client)
    await _say(client, conversation_id, auth, "hej")
    assert _value(await _metrics(client), "chat_conversations_total") == 1
    assert _value(await _metrics(other), "chat_conversations_total") == 0


async def test_no_text_a_resident_wrote_is_in_the_metrics(client) -> None:
    conversation_id, auth = await new_conversation(client)
    await _say(client, conversation_id, auth, PERSONAL)
    body = await (await client.get("/metrics")).text()
    assert "Anna" not in body and "19121212" not in body and conversation_id not in body


# Who may read them


def _behind_proxy(settings, token: str = ""):
    return replace(settings, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),), metrics_token=token)


async def test_a_resident_through_the_proxy_is_refused_without_a_token(aiohttp_client, settings, clock, options) -> None:
    client = await aiohttp_client(create_app(_behind_proxy(settings), clock=clock, options=options))
    response = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status == 403
    assert "chat_" not in await response.text()
    # Writing a loopback address does not help: the request came through a proxy.
    spoofed = await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert spoofed.status == 403


async def test_a_relayed_request_is_not_local_even_without_trusted_proxies(client) -> None:
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})).status == 403
    assert (await client.get("/metrics", headers={"Forwarded": "for=127.0.0.1"})).status == 403


async def test_the_token_opens_the_metrics_from_anywhere(aiohttp_client, settings, clock, options) -> None:
    client = await aiohttp_client(create_app(_behind_proxy(settings, METRICS_TOKEN), clock=clock, options=options))
    remote = {"X-Forwarded-For": "203.0.113.7"}
    assert (await client.get("/metrics", headers=remote)).status == 401
    wrong = {**remote, "Authorization": "Bearer not-the-token"}
    assert (await client.get("/metrics", headers=wrong)).status == 401
    samples = await _metrics(client, **remote, Authorization=f"Bearer {METRICS_TOKEN}")
    assert ("chat_conversations_total", frozenset()) in samples


def _non_loopback_address() -> str | None:
    """An address of this machine other than loopback (the one it uses to reach the outside), if any."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if ipaddress.ip_address(address).is_loopback else address


async def test_a_request_from_a_non_loopback_address_is_refused(aiohttp_client, settings, clock, options) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    client = await aiohttp_client(create_app(settings, clock=clock, options=options), server_kwargs={"host": address})
    response = await client.get("/metrics")  # from this machine's own non-loopback address to the router bound there
    assert response.status == 403
    assert (await client.get("/healthz")).status == 200
