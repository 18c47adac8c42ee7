"""Middlewares and response hooks: JSON errors, rate limits per client address, security headers."""
from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import DBAPIError

from router.core.unicode import is_text
from router.errors import BadInput, ClientError, RateLimited
from router.bus.keys import ADDRESS_LIMITER_KEY
from router.contact.keys import CONTACT_KEY
from router.texts import ERRORS, unavailable

log = logging.getLogger(__name__)

# Exceptions that mean the database cannot be reached right now (not a bug in the request).
UNAVAILABLE = (DBAPIError, ConnectionRefusedError, TimeoutError)

# The headers the router compares with secrets or looks up in the database.
CREDENTIAL_HEADERS = ("Authorization", "Cookie", "X-CSRF-Token", "X-Internal-Secret")

JSON_PREFIXES = ("/api/", "/internal/", "/healthz", "/ws/")
RESIDENT_PREFIXES = ("/api/conversations", "/ws/conversations")
PRIVATE_PREFIXES = ("/api/conversations", "/api/agent/", "/api/admin/", "/internal/", "/ws/")

_HTTP_MESSAGES = {
    400: ("bad_request", "Förfrågan kunde inte läsas."),
    401: ("unauthorized", "Du behöver logga in."),
    403: ("forbidden", "Du har inte behörighet."),
    404: ("not_found", "Det som efterfrågades finns inte."),
    405: ("method_not_allowed", "Metoden stöds inte här."),
    413: ("too_large", "Förfrågan är för stor. Ett meddelande får vara högst 2 000 tecken."),
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(JSON_PREFIXES)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Client errors become {"error", "message"} JSON with their status; anything else a 500."""
    try:
        return await handler(request)
    except ClientError as error:
        return web.json_response(error.as_json(), status=error.status)
    except web.HTTPException as error:
        if not _wants_json(request) or error.status < 400:
            raise
        code, message = _HTTP_MESSAGES.get(error.status, ("error", error.reason))
        return web.json_response({"error": code, "message": message}, status=error.status)
    except UNAVAILABLE as error:
        # The database is down: one clear log line, and a 503 the client can retry later.
        log.error("%s %s: a backing service is unavailable: %s: %s",
                  request.method, request.path, type(error).__name__, error)
        message = unavailable(request.app[CONTACT_KEY].phone)
        if _wants_json(request):
            return web.json_response({"error": "unavailable", "message": message}, status=503)
        raise web.HTTPServiceUnavailable(text=message) from None
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json(request):
            return web.json_response({"error": "internal_error", "message": ERRORS["internal_error"]}, status=500)
        raise web.HTTPInternalServerError(text=ERRORS["internal_error"]) from None


@web.middleware
async def credential_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """400 for a credential header with bytes that are not UTF-8 (aiohttp hands them over as surrogate
    escapes, which no comparison or database lookup can take)."""
    for name in CREDENTIAL_HEADERS:
        if not all(is_text(value) for value in request.headers.getall(name, ())):
            raise BadInput("bad_header")
    return await handler(request)


@web.middleware
async def address_rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Residents' API and WebSocket connections: a token bucket per client address (the resident's own
    behind TRUSTED_PROXIES, see router.web.proxies). Logins have their own limits (router.handoff.login_limits)."""
    limited = request.path.startswith(RESIDENT_PREFIXES) and request.method != "OPTIONS"
    if limited and not await request.app[ADDRESS_LIMITER_KEY].take(request.remote or "unknown"):
        raise RateLimited("rate_limited")
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response: the browser's protections, and no `Server` header (aiohttp's names its version,
    which only helps someone looking for a known flaw). Personal data — transcripts, cases, the console
    and admin APIs — is never kept by a browser or proxy cache."""
    response.headers.popall("Server", None)
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
