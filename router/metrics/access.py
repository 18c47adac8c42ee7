"""Who may read /metrics: a request made on this machine straight to the router, or one with
`Authorization: Bearer $METRICS_TOKEN`.

"On this machine" is judged by the connection's own peer address, never by a header and never by the
address `router.web.proxies` works out: behind nginx on the same host every request's peer is 127.0.0.1,
so a request that a proxy relayed (it carries X-Forwarded-For or Forwarded) is not a local one, whatever
addresses those headers name. Prometheus on another host sends the token.
"""
from __future__ import annotations

import ipaddress

from aiohttp import hdrs, web

from router.web.body import bearer_token
from router.core.security import secrets_equal
from router.errors import Forbidden, Unauthorized

PROXY_HEADERS = (hdrs.X_FORWARDED_FOR, hdrs.FORWARDED)


def direct_from_loopback(request: web.Request) -> bool:
    peer = request.transport.get_extra_info("peername") if request.transport is not None else None
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:  # a unix socket's path
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback and not any(name in request.headers for name in PROXY_HEADERS)


def check_metrics_access(request: web.Request, token: str) -> None:
    """Return when the request may read the metrics; 401 (a token is configured) or 403 otherwise."""
    if direct_from_loopback(request):
        return
    if not token:
        raise Forbidden("forbidden", "Metrics are answered on this machine only (METRICS_TOKEN is not set).")
    if not secrets_equal(bearer_token(request) or "", token):
        raise Unauthorized("unauthorized", "Wrong or missing Authorization: Bearer token.")
