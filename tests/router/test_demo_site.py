"""The demo city page on its own origin (`make run` serves it on http://localhost:8081/): the widget is
embedded with one script tag from the router's origin, under the CSP docs/deploy.md gives the CMS."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo_site import content_security_policy, create_app
from bot.services import Ports, Stack


@pytest.mark.asyncio
async def test_the_city_page_embeds_the_widget_from_the_router(aiohttp_client) -> None:
    client = await aiohttp_client(create_app("http://localhost:8080"))
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200
    assert '<script src="http://localhost:8080/static/widget.js" data-router="http://localhost:8080" defer>' in page
    assert 'src="/static/widget.js"' not in page
    assert 'href="http://localhost:8080/integritet"' in page
    assert response.headers["Content-Security-Policy"] == content_security_policy("http://localhost:8080")
    assert (await client.get("/static/demo.css")).status == 200


def test_the_csp_allows_the_router_over_https_and_wss() -> None:
    policy = content_security_policy("https://chatt.helsingborg.se")
    assert "script-src 'self' https://chatt.helsingborg.se;" in policy
    assert "style-src 'self' https://chatt.helsingborg.se;" in policy
    assert "connect-src 'self' https://chatt.helsingborg.se wss://chatt.helsingborg.se;" in policy


@pytest.mark.parametrize("router", ["localhost:8080", "ftp://x", "http://"])
def test_a_router_that_is_not_an_origin_is_refused(router: str) -> None:
    with pytest.raises(ValueError, match="--router"):
        create_app(router)


def test_make_run_lets_the_demo_city_page_embed_the_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "")
    assert Stack(model=Path("m.tar.gz"), ports=Ports(city=8081)).environment()["ALLOWED_ORIGINS"] == (
        "http://localhost:8081"
    )
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://helsingborg.se")
    assert Stack(model=Path("m.tar.gz"), ports=Ports(city=8081)).environment()["ALLOWED_ORIGINS"] == (
        "https://helsingborg.se"
    )
