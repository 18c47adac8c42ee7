"""The single sign-on settings: read whole from the environment, or refused with the variable named."""
from __future__ import annotations

from dataclasses import replace

import pytest

from router.core.config import OidcConfig, Settings


def test_password_login_off_needs_the_provider(settings) -> None:
    with pytest.raises(ValueError, match="PASSWORD_LOGIN=false needs OIDC_ISSUER"):
        replace(settings, password_login=False)


def test_oidc_settings_are_read_whole(monkeypatch) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "https://login.microsoftonline.com/tenant/v2.0/")
    monkeypatch.setenv("OIDC_CLIENT_ID", "chat")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "secret")
    monkeypatch.setenv("OIDC_ROLE_CLAIM", "roles")
    monkeypatch.setenv("OIDC_AGENT_VALUES", "Chat.Agent, Chat.Helper")
    monkeypatch.setenv("OIDC_ADMIN_VALUES", "")
    config = OidcConfig.from_env()
    assert config is not None and config.issuer == "https://login.microsoftonline.com/tenant/v2.0"
    assert config.agent_values == {"Chat.Agent", "Chat.Helper"} and config.admin_values == frozenset()
    monkeypatch.setenv("OIDC_AGENT_VALUES", "")
    with pytest.raises(ValueError, match="OIDC_AGENT_VALUES or OIDC_ADMIN_VALUES"):
        OidcConfig.from_env()
    monkeypatch.setenv("OIDC_ISSUER", "")
    assert OidcConfig.from_env() is None
    assert Settings().oidc is None
