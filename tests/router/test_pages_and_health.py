"""Health check, pages, security headers, static files and rate limits."""
from __future__ import annotations

import shutil

import pytest

from router.core.options import RouterOptions
from tests.router.client_steps import new_conversation

pytestmark = pytest.mark.asyncio

MODEL = "models/20261130-090000-test-model.tar.gz"


async def test_healthz_reports_rasa_actions_and_db(client, rasa) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "rasa": "ok", "actions": "ok", "db": "ok"}


async def test_healthz_reports_down_services(aiohttp_client, settings, clock, options) -> None:
    from dataclasses import replace

    from router.app import create_app

    down = replace(settings, rasa_url="http://127.0.0.1:9", actions_url="http://127.0.0.1:9")
    client = await aiohttp_client(create_app(down, clock=clock, options=options))
    body = await (await client.get("/healthz")).json()
    assert body == {"status": "ok", "rasa": "down", "actions": "down", "db": "ok"}


async def test_healthz_says_the_database_is_down_and_logs_why(
    aiohttp_client, settings, clock, options, tmp_path, caplog
) -> None:
    from dataclasses import replace

    from router.app import create_app
    from router.keys import ENGINE_KEY

    folder = tmp_path / "volume"
    folder.mkdir()
    shutil.copy(settings.database_url.removeprefix("sqlite+aiosqlite:///"), folder / "router.db")
    app = create_app(replace(settings, database_url=f"sqlite+aiosqlite:///{folder / 'router.db'}"), clock=clock, options=options)
    client = await aiohttp_client(app)
    assert (await (await client.get("/healthz")).json())["db"] == "ok"
    await app[ENGINE_KEY].dispose()  # no connection left open on the file
    folder.rename(tmp_path / "unmounted")  # the database's volume is gone
    body = await (await client.get("/healthz")).json()
    ready = await client.get("/readyz")
    assert body["db"] == "down"
    assert ready.status == 503 and "db" in (await ready.json())["not_ready"]
    assert "health check: the database failed: OperationalError" in caplog.text


async def test_front_page_is_the_demo_page_with_the_widget_and_security_headers(client) -> None:
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert '<html lang="sv">' in html
    assert "<script>" not in html and '<script src="/static/widget.js"' in html
    assert 'href="/integritet"' in html and "042-10 50 00" in html
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


async def test_privacy_notice_page_is_served_with_security_headers(client) -> None:
    response = await client.get("/integritet")
    html = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert '<html lang="sv">' in html and "personuppgift" in html.lower()
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/static/widget.js", "/static/widget.css", "/static/demo.css", "/static/pages.css",
     "/static/agent.js", "/static/agent.css", "/static/base.css"],
)
async def test_static_files_are_served(client, path) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_unknown_api_path_is_json_404(client) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"


@pytest.mark.parametrize("options", [RouterOptions(conversation_per_minute=3, address_per_minute=1000)])
async def test_rate_limit_per_conversation_is_429(client, options) -> None:
    conversation_id, auth = await new_conversation(client)
    statuses = [
        (await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hej"}, headers=auth)).status
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    other_id, other_auth = await new_conversation(client)
    response = await client.post(f"/api/conversations/{other_id}/messages", json={"text": "hej"}, headers=other_auth)
    assert response.status == 200


@pytest.mark.parametrize("options", [RouterOptions(conversation_per_minute=1000, address_per_minute=4)])
async def test_rate_limit_per_client_address_is_429(client, options) -> None:
    statuses = [(await client.post("/api/conversations")).status for _ in range(6)]
    assert statuses == [201, 201, 201, 201, 429, 429]
    response = await client.post("/api/conversations")
    assert (await response.json())["message"].startswith("Du skickar för många")


async def test_privacy_notice_says_how_texts_are_used_and_for_how_long_from_the_settings(
    aiohttp_client, settings, clock, options, tmp_path
) -> None:
    """The retention periods on /integritet are the ones in retention.yml, not a copy of them."""
    import shutil
    from dataclasses import replace

    from router.app import create_app

    settings_dir = tmp_path / "settings"
    shutil.copytree(settings.settings_dir, settings_dir)
    retention = settings_dir / "retention.yml"
    text = retention.read_text(encoding="utf-8")
    for old, new in (("bot_conversation: 90", "bot_conversation: 45"), ("chat_case: 730", "chat_case: 1095"),
                     ("left_message: 730", "left_message: 1")):
        assert old in text
        text = text.replace(old, new)
    retention.write_text(text, encoding="utf-8")
    client = await aiohttp_client(create_app(replace(settings, settings_dir=settings_dir), clock=clock, options=options))

    html = " ".join((await (await client.get("/integritet")).text()).split())

    assert "bara den automatiska assistenten: 45 dagar efter det senaste meddelandet" in html
    assert "med en kommunvägledare: 1095 dagar (3 år) efter att chatten avslutades" in html
    assert "lämnat till kontaktcenter: 1 dag efter att det har hanterats" in html
    assert "90 dagar" not in html and "730" not in html
    # GDPR transparency: reviewed with personal data masked, to improve the assistant, on which legal basis.
    for words in ("kan läsa det du har skrivit", "Personnummer, telefonnummer och e-postadresser är då dolda",
                  "förstå frågor bättre", "uppgift av allmänt intresse", "artikel 6.1 e"):
        assert words in html
    assert 'href="tel:+4642105000">042-10 50 00</a>' in html and "tel:+46421050000" not in html


async def test_readyz_is_ready_with_database_rasa_model_and_pubsub(client, rasa) -> None:
    rasa.model_file = MODEL
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "status": "ready", "not_ready": [], "checks": {"db": "ok", "rasa": "ok", "pubsub": "ok"},
    }


async def test_readyz_is_not_ready_while_rasa_has_no_model(client, rasa) -> None:
    rasa.model_file, rasa.model_loaded = MODEL, False
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "not_ready" and body["not_ready"] == ["rasa"]
    # liveness is another question: the router itself answers
    assert (await client.get("/healthz")).status == 200


async def test_readyz_names_everything_that_is_down(aiohttp_client, settings, clock, options) -> None:
    from dataclasses import replace
    from pathlib import Path

    from router.app import create_app
    from router.keys import ENGINE_KEY

    down = replace(settings, rasa_url="http://127.0.0.1:9")
    client = await aiohttp_client(create_app(down, clock=clock, options=options))
    # The database file becomes a folder SQLite cannot open, and no pooled connection is left.
    database = Path(settings.database_url.split("///", 1)[1])
    await client.app[ENGINE_KEY].dispose()
    for path in database.parent.glob(database.name + "*"):
        path.unlink()
    database.mkdir()
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["not_ready"] == ["db", "rasa"]
    assert body["checks"] == {"db": "down", "rasa": "down", "pubsub": "ok"}


async def test_readyz_is_not_ready_while_redis_is_down(
    aiohttp_client, settings, clock, options, rasa, throwaway_redis
) -> None:
    from dataclasses import replace

    rasa.model_file = MODEL

    from router.app import create_app

    client = await aiohttp_client(create_app(replace(settings, redis_url=throwaway_redis.url), clock=clock, options=options))
    assert (await client.get("/readyz")).status == 200
    throwaway_redis.kill()
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["not_ready"] == ["pubsub"]


async def test_the_favicon_is_served_and_linked(client) -> None:
    """No 404 for /favicon.ico (issue 13): the city's icon, which the pages link as well."""
    response = await client.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert (await response.text()).startswith("<svg")
    assert '<link rel="icon" href="/static/favicon.svg"' in await (await client.get("/")).text()
