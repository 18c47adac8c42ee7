"""Helpers for the end-to-end tests that speak the router's HTTP API as the widget and the console do."""
from __future__ import annotations

import re

import aiohttp

from tests.e2e.stack import AGENT_PASSWORD


async def open_conversation(http: aiohttp.ClientSession, base: str) -> tuple[str, dict[str, str]]:
    """A new resident conversation: its id and the Authorization header with its token."""
    async with http.post(f"{base}/api/conversations") as response:
        assert response.status == 201
        created = await response.json()
    assert "allmän handling" in created["notice"]
    assert "112" in created["notice"]
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


async def say(http: aiohttp.ClientSession, base: str, conversation: str, auth: dict[str, str], text: str) -> dict:
    """The resident writes `text`; returns the router's answer {"replies", "state"}."""
    async with http.post(
        f"{base}/api/conversations/{conversation}/messages", json={"text": text}, headers=auth
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def agent_login(base: str, username: str = "anna") -> tuple[aiohttp.ClientSession, dict[str, str]]:
    """A logged-in console session (cookie) and the CSRF header its writes need."""
    agent = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with agent.get(f"{base}/agent/login") as response:
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)
    async with agent.post(
        f"{base}/agent/login",
        data={"username": username, "password": AGENT_PASSWORD, "csrf_token": form_token},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
    async with agent.get(f"{base}/api/agent/me") as response:
        me = await response.json()
    return agent, {"X-CSRF-Token": me["csrf_token"]}


async def close_case(agent: aiohttp.ClientSession, base: str, csrf: dict[str, str], case_id: int) -> None:
    """The agent closes the case with the first closing category the console offers."""
    async with agent.get(f"{base}/api/agent/categories") as response:
        category = (await response.json())["categories"][0]
    async with agent.post(f"{base}/api/agent/cases/{case_id}/close", json={"category": category}, headers=csrf) as response:
        assert response.status == 200, await response.text()
