"""Password checks run off the event loop, a few at a time, and unknown users cost a full check too."""
from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import select

from router.app import create_app
from router.core.security import PasswordChecks, password_matches
from router.keys import DB_KEY, PASSWORD_CHECKS_KEY
from router.models import Agent
from tests.router.client_steps import add_agent
from tests.router.constants import PASSWORD

pytestmark = pytest.mark.asyncio


class GatedChecks:
    """The real argon2 verification, held at a gate until the test opens it: a check that blocks the way a
    slow hash does, so where it runs (and what waits for it) can be observed without timing anything."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []
        self.hashes: list[str] = []
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, password: str, stored_hash: str) -> bool:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.threads.append(threading.current_thread())
            self.hashes.append(stored_hash)
        try:
            # On the event loop's thread this would stall everything; the test then fails at `until_running`.
            if not self.gate.wait(timeout=10):
                raise RuntimeError("the gate was never opened")
            return password_matches(password, stored_hash)
        finally:
            with self._lock:
                self.running -= 1

    async def until_running(self, count: int) -> None:
        async def wait() -> None:
            while self.running < count:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(wait(), timeout=5)


async def _gated_client(aiohttp_client, settings, clock, options, at_once: int):
    checks = GatedChecks()
    app = create_app(settings, clock=clock, options=options)
    app[PASSWORD_CHECKS_KEY] = PasswordChecks(at_once, check=checks)
    return await aiohttp_client(app), checks


async def _login_form_token(client) -> str:
    html = await (await client.get("/agent/login")).text()
    return html.split('name="csrf_token" value="')[1].split('"')[0]


async def _post_login(client, form_token: str, username: str, password: str) -> int:
    response = await client.post(
        "/agent/login",
        data={"username": username, "password": password, "csrf_token": form_token},
        allow_redirects=False,
    )
    return response.status


async def test_the_loop_serves_others_while_wrong_password_logins_are_checked(
    aiohttp_client, settings, clock, options
):
    client, checks = await _gated_client(aiohttp_client, settings, clock, options, at_once=2)
    await add_agent(client, "anna")
    form_token = await _login_form_token(client)
    logins = [
        asyncio.create_task(_post_login(client, form_token, "anna", f"wrong password {n}")) for n in range(5)
    ]
    await checks.until_running(2)

    hours = await client.get("/api/hours")

    assert hours.status == 200
    assert not any(login.done() for login in logins), "logins answered before their checks finished"
    assert all(thread is not threading.main_thread() for thread in checks.threads)
    checks.gate.set()
    assert await asyncio.gather(*logins) == [401] * 5
    assert checks.peak == 2, "at most PASSWORD_CHECKS_AT_ONCE checks run at the same time"


async def test_a_right_password_still_logs_in_through_the_worker_thread(aiohttp_client, settings, clock, options):
    client, checks = await _gated_client(aiohttp_client, settings, clock, options, at_once=1)
    await add_agent(client, "anna")
    checks.gate.set()
    assert await _post_login(client, await _login_form_token(client), "anna", PASSWORD) == 303
    assert (await client.get("/api/agent/me")).status == 200
    assert checks.threads and checks.threads[0] is not threading.main_thread()


def _argon2_parameters(encoded: str) -> str:
    """`$argon2id$v=19$m=…,t=…,p=…$salt$hash` → the variant, version and costs."""
    return "$".join(encoded.split("$")[1:4])


async def test_unknown_and_deactivated_users_cost_the_same_check_as_a_wrong_password(
    aiohttp_client, settings, clock, options
):
    client, checks = await _gated_client(aiohttp_client, settings, clock, options, at_once=2)
    checks.gate.set()
    await add_agent(client, "anna")
    await add_agent(client, "bertil")
    async with client.app[DB_KEY]() as session:
        bertil = (await session.exec(select(Agent).where(Agent.username == "bertil"))).one()
        bertil.active = False
        session.add(bertil)
        await session.commit()
        anna_hash = (await session.exec(select(Agent.password_hash).where(Agent.username == "anna"))).one()

    statuses = [
        await _post_login(client, await _login_form_token(client), username, PASSWORD if username == "bertil" else "wrong password")
        for username in ("anna", "nobody", "bertil")
    ]

    assert statuses == [401, 401, 401]
    assert len(checks.hashes) == 3, "every login attempt runs one full argon2 verification"
    assert {_argon2_parameters(h) for h in checks.hashes} == {_argon2_parameters(anna_hash)}


async def test_at_least_one_check_at_a_time():
    with pytest.raises(ValueError):
        PasswordChecks(0)
