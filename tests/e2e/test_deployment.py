"""The deployment the city runs (issue 12): the widget on the city's own site, the router behind nginx
with TLS, two router processes on PostgreSQL and Redis (see tests/e2e/deployment.py).

- In chromium a resident chats over https:// from the city's origin while a kommunvägledare works
  through nginx; a page on an origin that is not listed cannot use the router.
- 200 residents from 200 different addresses (distinct loopback source addresses, so that nginx itself
  sees them) all start a conversation and write; one address alone is limited.
- A wrong-password flood from one address does not stop another agent logging in.
"""
from __future__ import annotations

import asyncio
import re
import ssl
from collections import Counter
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from playwright.sync_api import expect

from tests.e2e.deployment import (
    ADDRESS_PER_MINUTE,
    INTERNAL_SECRET,
    PASSWORD,
    Deployment,
    start_deployment,
)
from tests.e2e.browser import debian_chromium

RESIDENTS = 200
T = TypeVar("T")
NO_VERIFY = ssl.create_default_context()
NO_VERIFY.check_hostname = False
NO_VERIFY.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield from start_deployment(Path(tmp_path_factory.mktemp("deployment")))


def beside_the_browser(work: Coroutine[Any, Any, T]) -> T:
    """Run the agent's side on an event loop of its own (Playwright's sync API holds this thread's)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, work).result()


def session_from(address: str) -> aiohttp.ClientSession:
    """A client whose connections leave from `address` (127.0.0.0/8 is all loopback on Linux)."""
    connector = aiohttp.TCPConnector(ssl=NO_VERIFY, local_addr=(address, 0))
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True))


class Console:
    """A kommunvägledare's console through nginx: the login form, then the console API."""

    def __init__(self, deployment: Deployment, username: str, address: str) -> None:
        self.base = deployment.router_origin
        self.username = username
        self.http = session_from(address)
        self.csrf = ""

    async def login(self, password: str = PASSWORD) -> int:
        async with self.http.get(f"{self.base}/agent/login") as response:
            page = await response.text()
            if response.status != 200:
                return response.status
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        async with self.http.post(
            f"{self.base}/agent/login", data={"username": self.username, "password": password, "csrf_token": token},
            allow_redirects=False,
        ) as response:
            status = response.status
        if status == 303:
            async with self.http.get(f"{self.base}/api/agent/me") as response:
                self.csrf = (await response.json())["csrf_token"]
        return status

    async def post(self, path: str, body: dict | None = None) -> dict:
        async with self.http.post(f"{self.base}{path}", json=body, headers={"X-CSRF-Token": self.csrf}) as response:
            assert response.status in (200, 201), (path, response.status, await response.text())
            return await response.json()

    async def get(self, path: str) -> dict:
        async with self.http.get(f"{self.base}{path}") as response:
            assert response.status == 200, (path, response.status)
            return await response.json()


async def _handoff(deployment: Deployment, conversation_id: str) -> str:
    """What the action server does when the resident asks for a person (straight to a router)."""
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{deployment.direct_router}/internal/handoff",
            json={"conversation_id": conversation_id, "reason": "requested", "topic": None},
            headers={"X-Internal-Secret": INTERNAL_SECRET},
        ) as response:
            body = await response.json()
    assert body["outcome"] == "queued", body
    return body["reference"]


async def _claim_and_greet(deployment: Deployment, console: Console, conversation_id: str) -> int:
    assert await console.login() == 303
    await console.post("/api/agent/presence", {"online": True})
    # the console's live socket through nginx: same origin over wss:// (Host and X-Forwarded-Proto kept)
    socket = await console.http.ws_connect(
        f"{deployment.router_origin.replace('https', 'wss', 1)}/ws/agent", origin=deployment.router_origin
    )
    reference = await _handoff(deployment, conversation_id)
    queue = (await console.get("/api/agent/queue"))["queue"]
    case_id = next(case["id"] for case in queue if case["reference"] == reference)
    await console.post(f"/api/agent/cases/{case_id}/claim")
    await console.post(f"/api/agent/cases/{case_id}/messages", {"text": "Hej, jag heter Anna. Hur kan jag hjälpa dig?"})
    await socket.close()
    return case_id


def test_resident_chats_over_https_from_the_city_origin_while_an_agent_works_through_nginx(
    deployment: Deployment,
) -> None:
    with debian_chromium() as browser:
        context = browser.new_context(ignore_https_errors=True, locale="sv-SE")
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: problems.append(f"{message.text} {message.location}")
                if message.type == "error" and not message.location["url"].endswith("/favicon.ico") else None)
        page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)
        page.goto(deployment.city_origin + "/")
        page.get_by_role("button", name="Chatta med oss").click()
        field = page.get_by_role("textbox", name="Skriv ditt meddelande")
        expect(field).to_be_enabled()
        field.fill("Hej, jag känner mig otrygg i parken")
        field.press("Enter")
        log = page.get_by_role("log", name="Meddelanden")
        expect(log).to_contain_text("Du skrev: Hej, jag känner mig otrygg i parken")
        conversation_id = deployment.rasa.received[-1]["sender"]

        async def agent_side() -> int:
            console = Console(deployment, "anna", "127.0.0.1")
            try:
                return await _claim_and_greet(deployment, console, conversation_id)
            finally:
                await console.http.close()

        case_id = beside_the_browser(agent_side())
        expect(log).to_contain_text("Hej, jag heter Anna. Hur kan jag hjälpa dig?")
        field.fill("Tack, det gäller belysningen vid Stadsparken")
        field.press("Enter")

        async def agent_reads() -> list[str]:
            reader = Console(deployment, "anna", "127.0.0.1")
            try:
                assert await reader.login() == 303
                for _ in range(50):
                    texts = [m["text"] for m in (await reader.get(f"/api/agent/cases/{case_id}"))["messages"]]
                    if "Tack, det gäller belysningen vid Stadsparken" in texts:
                        return texts
                    await asyncio.sleep(0.2)
                return texts
            finally:
                await reader.http.close()

        assert "Tack, det gäller belysningen vid Stadsparken" in beside_the_browser(agent_reads())
        assert not problems, problems

        # the same page on an origin that is not listed: the browser may not read the router's answers
        stranger = context.new_page()
        stranger.goto(deployment.stranger_origin + "/")
        outcome = stranger.evaluate(
            """async (router) => {
                try { await fetch(router + "/api/conversations", {method: "POST"}); return "read"; }
                catch (error) { return "refused"; }
            }""",
            deployment.router_origin,
        )
        assert outcome == "refused"
        context.close()
    access_log = deployment.nginx.access_log()
    assert re.search(r'"GET /ws/conversations/\S+ HTTP/1.1" 101', access_log), access_log[-2000:]
    assert "token=" not in access_log


async def _start_conversation(deployment: Deployment, address: str) -> tuple[int, int, str | None]:
    """One resident from one address: open a conversation and write in it (as the widget does, with the
    city's Origin). Returns the two statuses and the CORS header the browser would need."""
    async with session_from(address) as http:
        headers = {"Origin": deployment.city_origin}
        async with http.post(f"{deployment.router_origin}/api/conversations", headers=headers) as response:
            opened, allowed = response.status, response.headers.get("Access-Control-Allow-Origin")
            if opened != 201:
                return opened, 0, allowed
            body = await response.json()
        async with http.post(
            f"{deployment.router_origin}/api/conversations/{body['id']}/messages", json={"text": "Hej!"},
            headers={**headers, "Authorization": f"Bearer {body['token']}"},
        ) as response:
            return opened, response.status, allowed


def test_two_hundred_residents_from_two_hundred_addresses_all_get_through(deployment: Deployment) -> None:
    addresses = [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(RESIDENTS)]

    async def everyone() -> list[tuple[int, int, str | None]]:
        limit = asyncio.Semaphore(40)

        async def one(address: str) -> tuple[int, int, str | None]:
            async with limit:
                return await _start_conversation(deployment, address)

        return await asyncio.gather(*(one(address) for address in addresses))

    results = asyncio.run(everyone())
    assert Counter((opened, sent) for opened, sent, _ in results) == Counter({(201, 200): RESIDENTS})
    assert {allowed for _, _, allowed in results} == {deployment.city_origin}


def test_one_address_alone_is_limited(deployment: Deployment) -> None:
    async def one_address() -> tuple[list[int], int]:
        async with session_from("127.0.3.1") as http:
            statuses = []
            for _ in range(ADDRESS_PER_MINUTE + 5):
                async with http.post(f"{deployment.router_origin}/api/conversations") as response:
                    statuses.append(response.status)
                    if response.status == 429:
                        assert (await response.json())["error"] == "rate_limited"
        neighbour, _, _ = await _start_conversation(deployment, "127.0.3.2")
        return statuses, neighbour

    statuses, neighbour = asyncio.run(one_address())
    # the bucket starts full; the extra requests meet an empty one (one token comes back every few seconds)
    assert statuses[:ADDRESS_PER_MINUTE] == [201] * ADDRESS_PER_MINUTE
    assert statuses[ADDRESS_PER_MINUTE:].count(429) >= 3, statuses
    assert neighbour == 201


def test_a_wrong_password_flood_does_not_stop_another_agent(deployment: Deployment) -> None:
    async def flood_then_login() -> tuple[list[int], int]:
        attacker = Console(deployment, "bertil", "127.0.4.1")
        colleague = Console(deployment, "cecilia", "127.0.4.2")
        try:
            flood = [await attacker.login("fel-lösenord") for _ in range(20)]
            return flood, await colleague.login()
        finally:
            await attacker.http.close()
            await colleague.http.close()

    flood, colleague = asyncio.run(flood_then_login())
    assert 401 in flood and flood.count(429) >= len(flood) // 2, flood
    assert colleague == 303
