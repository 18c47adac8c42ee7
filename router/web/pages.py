"""Rendering pages, and the demo page with the resident chat widget (/). The privacy notice (/integritet) is in
router/records/privacy_notice.py, the agent console, login/logout and /admin in router/handoff/pages.py.

All pages are rendered from router/templates (Jinja2 with autoescaping); / and /integritet take the contact
details from settings/contact.yml and /integritet the retention periods from settings/retention.yml, so
neither is typed into a page. Scripts and styles are files under /static, so the Content-Security-Policy
allows no inline script.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

from router.contact.keys import CONTACT_KEY

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)

routes = web.RouteTableDef()


def create_templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(("html",)),
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["days"] = days_text
    environment.filters["host"] = host_text
    return environment


def days_text(days: int) -> str:
    """A retention period in Swedish: "1 dag", "90 dagar", "730 dagar (2 år)"."""
    text = "1 dag" if days == 1 else f"{days} dagar"
    return f"{text} ({days // 365} år)" if days % 365 == 0 else text


def host_text(url: str) -> str:
    """A web address as link text: "https://www.digg.se/x" → "digg.se"."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    html = request.app[TEMPLATES_KEY].get_template(name).render(**context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"


@routes.get("/favicon.ico")
async def favicon(request: web.Request) -> web.FileResponse:
    """Browsers and tools ask for /favicon.ico whatever the page links: the city's icon, never a 404."""
    response = web.FileResponse(FAVICON, headers={"Content-Type": "image/svg+xml", "Cache-Control": "max-age=86400"})
    return response


@routes.get("/")
async def demo_page(request: web.Request) -> web.Response:
    """A demo of the city's page, with the resident chat widget (static/widget.js)."""
    return render(request, "demo.html", contact=request.app[CONTACT_KEY])
