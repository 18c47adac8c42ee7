"""The city's page on its own origin: the demo page served apart from the router, embedding the widget
with one script tag from the router's origin, exactly as the city's CMS would.

`make run` starts it on http://localhost:8081/ next to the router on http://localhost:8080, so the
cross-origin path (CORS preflights, the WebSocket's Origin check, the CSP a CMS needs) is what a
developer sees every day, not only in production. It sends the Content-Security-Policy that
docs/deploy.md tells the city to add for the widget.

    python -m bot.demo_site --port 8081 --router http://localhost:8080
"""
from __future__ import annotations

import argparse
import html
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from assistant import paths
from router.web.pages import create_templates
from facts.contact import load_contact_facts
from router.core.config import Settings

STATIC = paths.ROOT / "router" / "static"
SAME_ORIGIN_TAG = '<script src="/static/widget.js" data-router="" defer></script>'


def embed_tag(router: str) -> str:
    """The one line the city's CMS adds to its pages."""
    quoted = html.escape(router, quote=True)
    return f'<script src="{quoted}/static/widget.js" data-router="{quoted}" defer></script>'


def content_security_policy(router: str) -> str:
    """The policy a CMS page needs for the widget: its script and stylesheet from the router, and
    HTTP and WebSocket connections to it."""
    parts = urlsplit(router)
    socket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return (
        f"default-src 'self'; script-src 'self' {router}; style-src 'self' {router}; "
        f"connect-src 'self' {router} {socket}; img-src 'self' data:; object-src 'none'; base-uri 'none'"
    )


def city_page(router: str, settings_dir: Path) -> str:
    """The router's own demo page (router/templates/demo.html, with the contact facts of `settings_dir`),
    its same-origin widget tag swapped for the CMS's cross-origin one."""
    page = create_templates().get_template("demo.html").render(contact=load_contact_facts(settings_dir))
    if SAME_ORIGIN_TAG not in page:
        raise RuntimeError(f"router/templates/demo.html no longer has the widget tag {SAME_ORIGIN_TAG!r}")
    return page.replace(SAME_ORIGIN_TAG, embed_tag(router)).replace('href="/integritet"', f'href="{router}/integritet"')


def create_app(router: str, settings_dir: Path | None = None) -> web.Application:
    router = router.rstrip("/")
    if urlsplit(router).scheme not in ("http", "https") or not urlsplit(router).netloc:
        raise ValueError(f"--router must be the router's origin like http://localhost:8080, got {router!r}")
    page = city_page(router, settings_dir or Settings.from_env().settings_dir)
    headers = {"Content-Security-Policy": content_security_policy(router), "Cache-Control": "no-cache"}

    async def front_page(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", headers=headers)

    async def stylesheet(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "demo.css")

    async def icon(request: web.Request) -> web.FileResponse:
        """The page links its icon on its own origin, as the city's site has its own."""
        return web.FileResponse(STATIC / "favicon.svg")

    app = web.Application()
    app.router.add_get("/", front_page)
    app.router.add_get("/static/demo.css", stylesheet)
    app.router.add_get("/static/favicon.svg", icon)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--router", default="http://localhost:8080", help="the router's origin")
    args = parser.parse_args(argv)
    web.run_app(create_app(args.router), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
