"""The application key of the identity provider; present only when OIDC_ISSUER is set."""
from __future__ import annotations

from aiohttp import web

from router.handoff.sso.provider import OidcProvider

OIDC_PROVIDER_KEY = web.AppKey("oidc_provider", OidcProvider)
