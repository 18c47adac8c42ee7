"""How the router meets the web: reading request bodies (body), other origins embedding the widget (cors), the
reverse proxies that forward the residents' addresses (proxies), the access log and quiet refusals of malformed
HTTP, the health probe, and rendering pages, with the demo page (/)."""
from __future__ import annotations

from aiohttp import web

from router.web import health, pages


def setup_web(app: web.Application) -> None:
    """Prepare the page templates and add /healthz and /."""
    app[pages.TEMPLATES_KEY] = pages.create_templates()
    app.add_routes(health.routes)
    app.add_routes(pages.routes)
