"""The resident's real address behind reverse proxies (TRUSTED_PROXIES).

Behind nginx every request comes from nginx, so a limit per `request.remote` would be one bucket for
the whole city. The proxy tells who it served in X-Forwarded-For (each proxy appends the address it saw)
and X-Forwarded-Proto. Anyone can send those headers, so they are believed only when the connection comes
from a listed proxy, and then X-Forwarded-For is read from the right: the rightmost address that is not
itself a trusted proxy is the client; whatever a client wrote further left is ignored. Handlers then see
that address as `request.remote` and the scheme as `request.scheme`.

A small middleware rather than aiohttp-remotes: XForwardedStrict there needs the exact chain of proxies
hop by hop, XForwardedRelaxed trusts a fixed number of hops from any peer; the rule wanted here (trust a
set of addresses/CIDRs, take the rightmost untrusted hop) is `client_address` below, tested in
tests/router/test_proxies.py.
"""
from __future__ import annotations

import ipaddress

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from router.core.config import Network
from router.keys import SETTINGS_KEY

FORWARDED_SCHEMES = ("http", "https")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str | None:
    """The client's address: `peer` unless it is a trusted proxy, then the rightmost hop in the
    X-Forwarded-For values that is not a trusted proxy. A malformed hop ends the walk at the last
    address a trusted proxy vouched for."""
    current = _address(peer) if peer else None
    if current is None or not _trusted(current, trusted):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def forwarded_scheme(peer: str | None, forwarded_proto: str | None, trusted: tuple[Network, ...]) -> str | None:
    """X-Forwarded-Proto from a trusted proxy (its last value; http or https only), else None."""
    address = _address(peer) if peer else None
    if address is None or not _trusted(address, trusted) or not forwarded_proto:
        return None
    scheme = forwarded_proto.split(",")[-1].strip().lower()
    return scheme if scheme in FORWARDED_SCHEMES else None


@web.middleware
async def forwarded_client(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: everything after it sees the client's address and scheme."""
    trusted = request.app[SETTINGS_KEY].trusted_proxies
    if not trusted:
        return await handler(request)
    peer = request.remote
    remote = client_address(peer, request.headers.getall(hdrs.X_FORWARDED_FOR, []), trusted)
    scheme = forwarded_scheme(peer, request.headers.get(hdrs.X_FORWARDED_PROTO), trusted)
    if remote is None or (remote == peer and scheme is None):
        return await handler(request)
    return await handler(request.clone(remote=remote, scheme=scheme or request.scheme))
