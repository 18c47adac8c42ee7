"""Cross-origin embedding: the city's own site (another origin) runs the resident widget.

Only the resident API (/api/conversations…), the opening hours (/api/hours…) and the contact facts the
widget shows (/api/contact) are shared with the origins in ALLOWED_ORIGINS: methods GET and POST, request
headers Authorization and Content-Type, and no credentials (the widget authenticates with its bearer
token, never with cookies, so the agent console's cookies are never exposed to another site). A preflight from a listed origin is answered 204; from any
other origin it gets 403 and, like every response to an unlisted origin, no CORS headers at all.

Browsers do not apply CORS to WebSockets, so the resident WebSocket checks `Origin` itself: its own
origin and the listed ones may connect. The agent WebSocket rides on the console's session cookie and
accepts its own origin only. A client without `Origin` is not a browser page and is let through (it
could send any Origin it liked).

This is a small middleware rather than aiohttp-cors: aiohttp-cors configures CORS route by route, so a
route added later under /api/conversations would silently lack it, while the policy here is one rule
over three path prefixes; the whole of it is the forty lines below, tested in tests/router/test_cors.py.
"""
from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from router.errors import Forbidden
from router.keys import SETTINGS_KEY

SHARED_PREFIXES = ("/api/conversations", "/api/hours", "/api/contact")
RESIDENT_SOCKET_PREFIX = "/ws/conversations"
AGENT_SOCKET_PREFIX = "/ws/agent"
ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "Authorization, Content-Type"
EXPOSE_HEADERS = "Retry-After"
PREFLIGHT_MAX_AGE = "600"


def own_origin(request: web.Request) -> str:
    """This router's origin as the browser sees it (scheme from a trusted proxy, Host as sent)."""
    return f"{request.scheme}://{request.host}".lower()


def _listed(request: web.Request, origin: str) -> bool:
    return origin in request.app[SETTINGS_KEY].allowed_origins


@web.middleware
async def cors_preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer CORS preflights for the shared paths before routing (the routes have no OPTIONS)."""
    origin = request.headers.get("Origin")
    if (
        request.method == "OPTIONS"
        and origin is not None
        and "Access-Control-Request-Method" in request.headers
        and request.path.startswith(SHARED_PREFIXES)
    ):
        if not _listed(request, origin):
            raise Forbidden("origin_not_allowed", "Den här webbplatsen får inte använda chatten.")
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            },
        )
    return await handler(request)


async def cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every response on a shared path (errors and 429s included) carries the
    CORS headers for a listed origin, so the widget can read why a request failed."""
    if not request.path.startswith(SHARED_PREFIXES):
        return
    response.headers.add("Vary", "Origin")
    origin = request.headers.get("Origin")
    if origin is not None and _listed(request, origin) and "Access-Control-Allow-Origin" not in response.headers:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS


@web.middleware
async def websocket_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a WebSocket opened by a page on another origin (403 before the upgrade)."""
    origin = request.headers.get("Origin")
    if origin is not None and request.path.startswith((RESIDENT_SOCKET_PREFIX, AGENT_SOCKET_PREFIX)):
        allowed = origin.lower() == own_origin(request) or (
            request.path.startswith(RESIDENT_SOCKET_PREFIX) and _listed(request, origin)
        )
        if not allowed:
            raise Forbidden("origin_not_allowed", "Den här webbplatsen får inte använda chatten.")
    return await handler(request)
