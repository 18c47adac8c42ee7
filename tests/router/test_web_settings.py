"""ALLOWED_ORIGINS and TRUSTED_PROXIES are checked when the router starts: a typo is an error, not a
widget that silently cannot connect or a proxy whose headers are silently ignored."""
from __future__ import annotations

import ipaddress

import pytest

from router.core.config import Settings, parse_networks, parse_origins


@pytest.mark.parametrize(
    "raw", ["helsingborg.se", "https://helsingborg.se/", "https://x.se/chat", "ftp://x.se", "https://Helsingborg.se"]
)
def test_a_malformed_allowed_origin_fails_at_start(raw: str) -> None:
    with pytest.raises(ValueError, match="ALLOWED_ORIGINS"):
        parse_origins(raw)


def test_allowed_origins_are_read_as_a_list() -> None:
    assert parse_origins(" https://helsingborg.se, http://localhost:8081 ,") == (
        "https://helsingborg.se", "http://localhost:8081",
    )


@pytest.mark.parametrize("raw", ["nginx", "10.0.0.0/33", "127.0.0.1:80"])
def test_a_malformed_trusted_proxy_fails_at_start(raw: str) -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks(raw)


def test_trusted_proxies_are_addresses_and_blocks() -> None:
    assert parse_networks("127.0.0.1, 10.0.0.0/8,::1") == (
        ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"),
    )


def test_both_are_empty_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    settings = Settings.from_env(tmp_path / "no.env")
    assert (settings.allowed_origins, settings.trusted_proxies) == ((), ())


def test_both_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://helsingborg.se")
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    settings = Settings.from_env(tmp_path / "no.env")
    assert settings.allowed_origins == ("https://helsingborg.se",)
    assert settings.trusted_proxies == (ipaddress.ip_network("127.0.0.1/32"),)
