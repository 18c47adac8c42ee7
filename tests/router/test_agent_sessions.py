"""A console WebSocket lives no longer than its login session: logout, expiry, deactivation and revocation
(from the command line too, and across router processes) close it before it carries anything more."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import WSMsgType

from bot import accounts as accounts_cli
from bot.cli import main as cli_main
from router.handoff.agent_sessions import SESSION_ENDED_CLOSE_CODE
from router.app import create_app
from tests.router.client_steps import agent_online, login, queued_case
from tests.router.constants import MONDAY_10, PASSWORD

pytestmark = pytest.mark.asyncio

QUICK_CHECKS = 0.05
NEVER = 3600.0


async def frames_until_closed(socket, timeout: float = 5.0) -> tuple[list[dict[str, Any]], int | None]:
    """Every frame the socket receives until the server closes it, and the close code (fails on timeout)."""
    frames = []
    async with asyncio.timeout(timeout):
        while True:
            message = await socket.receive()
            if message.type == WSMsgType.TEXT:
                frames.append(json.loads(message.data))
            elif message.type == WSMsgType.CLOSE:
                return frames, message.data
            elif message.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return frames, None


async def _client(aiohttp_client, settings, clock, options, check_seconds: float):
    app = create_app(settings, clock=clock, options=replace(options, agent_session_check_seconds=check_seconds))
    return await aiohttp_client(app)


async def _console_with_a_chat(client) -> tuple[Any, str, dict[str, str], str]:
    """Anna online with a console open and a resident's chat claimed: (socket, conversation, resident auth, csrf)."""
    csrf = await agent_online(client, "anna")
    console = await client.ws_connect("/ws/agent")
    assert (await console.receive_json())["type"] == "presence"
    case_id, conversation_id, auth = await queued_case(client)
    claimed = await client.post(f"/api/agent/cases/{case_id}/claim", headers={"X-CSRF-Token": csrf})
    assert claimed.status == 200
    return console, conversation_id, auth, csrf


async def _resident_says(client, conversation_id: str, auth: dict[str, str], text: str) -> None:
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    assert response.status == 200, await response.text()


def _resident_texts(frames: list[dict[str, Any]]) -> list[str]:
    return [f["message"]["text"] for f in frames if f.get("type") == "message" and f["message"]["from"] == "resident"]


async def frames_until_message(socket, text: str) -> list[dict[str, Any]]:
    """Frames until the resident's message `text` has arrived."""
    frames = []
    async with asyncio.timeout(5):
        while text not in _resident_texts(frames):
            frames.append(await socket.receive_json())
    return frames


@pytest.fixture
def cli_database(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line works on the test's database, without Redis unless a test says otherwise."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", "")


async def test_after_logout_the_old_console_closes_and_gets_no_resident_message(
    aiohttp_client, settings, clock, options
):
    client = await _client(aiohttp_client, settings, clock, options, NEVER)
    console, conversation_id, auth, csrf = await _console_with_a_chat(client)
    await _resident_says(client, conversation_id, auth, "före utloggningen")
    before = await frames_until_message(console, "före utloggningen")

    response = await client.post("/agent/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert response.status == 303
    await _resident_says(client, conversation_id, auth, "Mitt personnummer är 19121212-1212")

    frames, code = await frames_until_closed(console)
    assert code == SESSION_ENDED_CLOSE_CODE
    assert _resident_texts(frames) == []
    assert not any(f.get("type") == "session_ended" for f in before + frames)


async def test_another_agents_logout_leaves_a_console_open(aiohttp_client, settings, clock, options):
    client = await _client(aiohttp_client, settings, clock, options, NEVER)
    console, conversation_id, auth, _ = await _console_with_a_chat(client)
    other = await aiohttp_client(client.server)  # Bertil, in a browser of his own
    await agent_online(other, "bertil")
    bertil_csrf = (await (await other.get("/api/agent/me")).json())["csrf_token"]
    assert (await other.post("/agent/logout", data={"csrf_token": bertil_csrf}, allow_redirects=False)).status == 303

    await _resident_says(client, conversation_id, auth, "fortfarande här")
    await frames_until_message(console, "fortfarande här")
    assert not console.closed
    await console.close()


async def test_an_expired_session_closes_its_console_at_the_next_check(aiohttp_client, settings, clock, options):
    client = await _client(aiohttp_client, settings, clock, options, QUICK_CHECKS)
    console, _, _, _ = await _console_with_a_chat(client)
    clock.set(MONDAY_10 + timedelta(hours=13))  # sessions last 12 hours

    _, code = await frames_until_closed(console)
    assert code == SESSION_ENDED_CLOSE_CODE


async def test_deactivation_from_the_cli_closes_the_console_and_locks_the_account(
    aiohttp_client, settings, clock, options, cli_database, capsys
):
    client = await _client(aiohttp_client, settings, clock, options, QUICK_CHECKS)
    console, _, _, _ = await _console_with_a_chat(client)

    assert await accounts_cli.deactivate("anna") == 0
    _, code = await frames_until_closed(console)
    assert code == SESSION_ENDED_CLOSE_CODE
    assert "Deactivated 'anna'" in capsys.readouterr().out
    assert (await client.get("/api/agent/me")).status == 401
    with pytest.raises(AssertionError):
        await login(client, "anna")

    assert await accounts_cli.activate("anna") == 0
    await login(client, "anna")
    assert (await client.get("/api/agent/me")).status == 200


async def test_revoking_from_the_cli_closes_consoles_at_once_through_redis(
    aiohttp_client, settings, clock, options, cli_database, throwaway_redis, monkeypatch
):
    shared = replace(settings, redis_url=throwaway_redis.url)
    client = await _client(aiohttp_client, shared, clock, options, NEVER)  # no re-check: only the announcement
    console, conversation_id, auth, _ = await _console_with_a_chat(client)
    monkeypatch.setenv("REDIS_URL", throwaway_redis.url)

    assert await accounts_cli.revoke("anna") == 0
    await _resident_says(client, conversation_id, auth, "efter återkallelsen")

    frames, code = await frames_until_closed(console)
    assert code == SESSION_ENDED_CLOSE_CODE
    assert _resident_texts(frames) == []


async def test_logout_on_one_router_closes_the_console_held_by_another(
    aiohttp_client, settings, clock, options, throwaway_redis
):
    shared = replace(settings, redis_url=throwaway_redis.url)
    a = await _client(aiohttp_client, shared, clock, options, NEVER)
    b = await _client(aiohttp_client, shared, clock, options, NEVER)
    csrf = await agent_online(a, "anna")
    b.session.cookie_jar.update_cookies({c.key: c.value for c in a.session.cookie_jar})
    console = await b.ws_connect("/ws/agent")
    assert (await console.receive_json())["type"] == "presence"

    assert (await a.post("/agent/logout", data={"csrf_token": csrf}, allow_redirects=False)).status == 303

    _, code = await frames_until_closed(console)
    assert code == SESSION_ENDED_CLOSE_CODE


async def test_reset_password_and_list_from_the_cli(aiohttp_client, settings, clock, options, cli_database,
                                                    capsys, monkeypatch):
    client = await _client(aiohttp_client, settings, clock, options, QUICK_CHECKS)
    console, _, _, _ = await _console_with_a_chat(client)

    monkeypatch.setattr("sys.stdin", _Lines("ett helt nytt lösenord\n"))
    assert await asyncio.to_thread(cli_main, ["agents", "reset-password", "anna", "--password-stdin"]) == 0
    _, code = await frames_until_closed(console)
    assert code == SESSION_ENDED_CLOSE_CODE
    with pytest.raises(AssertionError):
        await login(client, "anna")  # the old password
    page = await client.get("/agent/login")
    token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    response = await client.post(
        "/agent/login", data={"username": "anna", "password": "ett helt nytt lösenord", "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status == 303

    capsys.readouterr()
    assert await asyncio.to_thread(cli_main, ["agents", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["username", "role", "status", "online", "sessions", "name"]
    # (the session count is of sessions unexpired by the real time; the test's clock is days behind it)
    assert listing[1].split()[:4] == ["anna", "agent", "active", "yes"]


async def test_cli_refuses_unknown_accounts_and_short_passwords(cli_database, capsys, monkeypatch):
    assert await asyncio.to_thread(cli_main, ["agents", "deactivate", "nobody"]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", _Lines("kort\n"))
    assert await asyncio.to_thread(cli_main, ["agents", "add", "anna", "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", _Lines(PASSWORD + "\n"))
    assert await asyncio.to_thread(cli_main, ["agents", "add", "anna", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", _Lines("kort\n"))
    assert await asyncio.to_thread(cli_main, ["agents", "reset-password", "anna", "--password-stdin"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err


class _Lines:
    """Standard input with the given text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""
