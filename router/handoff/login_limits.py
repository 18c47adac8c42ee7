"""Login attempts have limits of their own: per client address and per username.

The per-address bucket stops one machine from guessing passwords (and from keeping argon2 busy); the
per-username bucket stops a guesser who spreads over many addresses. Neither is shared with the
residents' API limit, so a flood of chats or of wrong passwords from one address cannot lock the
kommunvägledare at other addresses out of the console. Behind a reverse proxy the address is the
client's own (router.web.proxies), not the proxy's.
"""
from __future__ import annotations

from router.bus.rate_limit import RateLimiter

# Usernames are short; a longer value is someone's noise and is cut so that keys stay small.
MAX_USERNAME_KEY = 100


class LoginLimits:
    def __init__(self, by_address: RateLimiter, by_username: RateLimiter) -> None:
        self._by_address = by_address
        self._by_username = by_username

    async def admit(self, address: str, username: str) -> bool:
        """Take one attempt from both buckets; False when either is empty."""
        address_ok = await self._by_address.take(address)
        username_ok = await self._by_username.take(username.strip().casefold()[:MAX_USERNAME_KEY])
        return address_ok and username_ok
