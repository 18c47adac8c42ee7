"""The city's OpenID provider as the router sees it: its discovery document and signing keys (cached), the
authorization address (code flow with PKCE, `state` and `nonce`), the code exchange, the ID token's checks
and the end-session address.

HTTP goes through the router's aiohttp session; the OAuth and JOSE work is authlib's (PKCE, request
parameters, the ID token's claims: issuer, audience, expiry, nonce, azp, at_hash) and joserfc's (signature
against the provider's JWKS), so no token check here is written by hand.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from router.core.clock import Clock
from router.core.config import OidcConfig

log = logging.getLogger(__name__)

# How long the discovery document and the keys are used before they are fetched again. A token signed with a
# key the cached set lacks (the provider rotated its keys) fetches the keys at once, at most every
# KEYS_REFRESH_SECONDS.
CACHE_SECONDS = 3600
KEYS_REFRESH_SECONDS = 60
# Clock skew allowed between the provider and the router when checking exp, iat and nbf.
LEEWAY_SECONDS = 60
SCOPE = "openid profile email"
TIMEOUT = aiohttp.ClientTimeout(total=10)


class SsoError(Exception):
    """The login at the provider cannot be completed; the message says why (for the log, never the page)."""


@dataclass(frozen=True)
class ProviderMetadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]
    secret_in_body: bool  # client_secret_post: the provider does not take client_secret_basic

    @classmethod
    def from_document(cls, document: dict[str, Any], issuer: str) -> "ProviderMetadata":
        """The fields the router uses; the document must be the configured issuer's (OpenID Discovery 4.3)."""
        if document.get("issuer") != issuer:
            raise SsoError(f"discovery: issuer {document.get('issuer')!r} is not OIDC_ISSUER {issuer!r}")
        try:
            methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            return cls(
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                end_session_endpoint=document.get("end_session_endpoint"),
                algorithms=tuple(document.get("id_token_signing_alg_values_supported") or ["RS256"]),
                secret_in_body="client_secret_basic" not in methods and "client_secret_post" in methods,
            )
        except KeyError as missing:
            raise SsoError(f"discovery: no {missing} in the provider's document") from None


class OidcProvider:
    def __init__(self, config: OidcConfig, http: aiohttp.ClientSession, clock: Clock) -> None:
        self.config = config
        self._http = http
        self._clock = clock
        self._lock = asyncio.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_until = 0.0
        self._keys: KeySet | None = None
        self._keys_until = 0.0
        self._keys_fetched_at = -float(KEYS_REFRESH_SECONDS)

    async def metadata(self) -> ProviderMetadata:
        async with self._lock:
            if self._metadata is None or time.monotonic() >= self._metadata_until:
                document = await self._get_json(f"{self.config.issuer}/.well-known/openid-configuration")
                self._metadata = ProviderMetadata.from_document(document, self.config.issuer)
                self._metadata_until = time.monotonic() + CACHE_SECONDS
            return self._metadata

    async def _key_set(self, refresh: bool = False) -> KeySet:
        metadata = await self.metadata()
        async with self._lock:
            stale = self._keys is None or time.monotonic() >= self._keys_until
            may_refresh = time.monotonic() - self._keys_fetched_at >= KEYS_REFRESH_SECONDS
            if stale or (refresh and may_refresh):
                document = await self._get_json(metadata.jwks_uri)
                try:
                    self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
                except (JoseError, ValueError, KeyError, TypeError) as error:
                    raise SsoError(f"jwks: not a key set ({error})") from None
                self._keys_fetched_at = time.monotonic()
                self._keys_until = self._keys_fetched_at + CACHE_SECONDS
            assert self._keys is not None
            return self._keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._http.get(url, timeout=TIMEOUT) as response:
                if response.status != 200:
                    raise SsoError(f"{url}: HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise SsoError(f"{url}: {error!r}") from None
        if not isinstance(body, dict):
            raise SsoError(f"{url}: not a JSON object")
        return body

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        metadata = await self.metadata()
        return str(
            prepare_grant_uri(
                metadata.authorization_endpoint, self.config.client_id, "code", redirect_uri=redirect_uri,
                scope=SCOPE, state=state, nonce=nonce,
                code_challenge=create_s256_code_challenge(code_verifier), code_challenge_method="S256",
            )
        )

    async def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The token response for an authorization code; it must hold an ID token."""
        metadata = await self.metadata()
        secret: dict[str, str] = {}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        if metadata.secret_in_body:
            secret = {"client_id": self.config.client_id, "client_secret": self.config.client_secret}
        else:  # RFC 6749 2.3.1: both form-encoded before Basic
            headers["Authorization"] = aiohttp.encode_basic_auth(
                quote(self.config.client_id, safe=""), quote(self.config.client_secret, safe="")
            )
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=code_verifier, **secret
        )
        try:
            async with self._http.post(
                metadata.token_endpoint, data=body, headers=headers, timeout=TIMEOUT
            ) as response:
                tokens = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise SsoError(f"token endpoint: {error!r}") from None
        if status != 200 or not isinstance(tokens, dict):
            error_code = tokens.get("error") if isinstance(tokens, dict) else None
            raise SsoError(f"token endpoint: HTTP {status} {error_code or ''}".strip())
        if not isinstance(tokens.get("id_token"), str):
            raise SsoError("token endpoint: no id_token in the answer")
        return tokens

    async def verify_id_token(self, id_token: str, nonce: str, access_token: str | None = None) -> dict[str, Any]:
        """The ID token's claims once its signature (the provider's keys, its advertised algorithms), issuer,
        audience, expiry and nonce hold; raises SsoError otherwise."""
        metadata = await self.metadata()
        registry = JWSRegistry(algorithms=list(metadata.algorithms), strict_check_header=False)
        try:
            try:
                token = jwt.decode(id_token, await self._key_set(), registry=registry)
            except InvalidKeyIdError:
                token = jwt.decode(id_token, await self._key_set(refresh=True), registry=registry)
            claims = CodeIDToken(
                token.claims, token.header,
                {
                    "iss": {"essential": True, "value": self.config.issuer},
                    "aud": {"essential": True, "value": self.config.client_id},
                },
                {"nonce": nonce, "client_id": self.config.client_id, "access_token": access_token},
            )
            claims.validate(now=int(self._clock.now().timestamp()), leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError) as error:
            raise SsoError(f"id token refused: {error!r}") from None
        return dict(claims)

    async def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """Where the browser ends its session at the provider (RP-Initiated Logout), when the provider offers it.
        A provider that cannot be reached now is not waited for: the local session has ended already."""
        try:
            metadata = await self.metadata()
        except SsoError as error:
            log.warning("sso logout without the provider: %s", error)
            return None
        if not metadata.end_session_endpoint:
            return None
        return str(
            add_params_to_uri(
                metadata.end_session_endpoint,
                {"client_id": self.config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri},
            )
        )
