"""Settings read from the environment (and `.env` through python-dotenv)."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dotenv import load_dotenv

from assistant import paths

# The repository: where `.env`, `var/` and `settings/` are (assistant/paths.py defines it once).
PROJECT_ROOT = paths.ROOT
LOG_FORMATS = ("text", "json")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_origins(raw: str) -> tuple[str, ...]:
    """ALLOWED_ORIGINS: comma-separated `scheme://host[:port]`, exactly as a browser sends `Origin`
    (no path, no trailing slash), so that a typo fails at start instead of silently refusing the widget."""
    origins = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        scheme, separator, rest = item.partition("://")
        if scheme not in ("http", "https") or not separator or not rest or "/" in rest or rest != rest.lower():
            raise ValueError(
                f"ALLOWED_ORIGINS: {item!r} is not an origin like https://helsingborg.se "
                "(http or https, lower case, no path or trailing slash)"
            )
        origins.append(item)
    return tuple(origins)


def parse_networks(raw: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDR blocks (127.0.0.1, 10.0.0.0/8, ::1)."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {item!r} is not an IP address or CIDR block") from None
    return tuple(networks)


def _values(name: str) -> frozenset[str]:
    return frozenset(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


@dataclass(frozen=True)
class OidcConfig:
    """Staff single sign-on with the city's identity provider (OpenID Connect, router/handoff/sso/). The role claim's
    values decide access at every login: a user whose values name neither role is refused."""

    issuer: str
    client_id: str
    client_secret: str
    role_claim: str
    agent_values: frozenset[str]
    admin_values: frozenset[str]
    # Values for the read-only analyst role (the trygghetssignaler page only); none by default.
    analyst_values: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls) -> "OidcConfig | None":
        """None without OIDC_ISSUER; with it, every other OIDC_ variable must be there."""
        issuer = _env("OIDC_ISSUER", "").rstrip("/")
        if not issuer:
            return None
        config = cls(
            issuer=issuer,
            client_id=_env("OIDC_CLIENT_ID", ""),
            client_secret=_env("OIDC_CLIENT_SECRET", ""),
            role_claim=_env("OIDC_ROLE_CLAIM", ""),
            agent_values=_values("OIDC_AGENT_VALUES"),
            admin_values=_values("OIDC_ADMIN_VALUES"),
            analyst_values=_values("OIDC_ANALYST_VALUES"),
        )
        if not issuer.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ValueError(f"OIDC_ISSUER: {issuer!r} must be an https:// address")
        for name, value in (
            ("OIDC_CLIENT_ID", config.client_id), ("OIDC_CLIENT_SECRET", config.client_secret),
            ("OIDC_ROLE_CLAIM", config.role_claim),
        ):
            if not value:
                raise ValueError(f"{name} must be set when OIDC_ISSUER is")
        if not config.agent_values and not config.admin_values:
            raise ValueError("OIDC_AGENT_VALUES or OIDC_ADMIN_VALUES must name at least one value of the role claim")
        return config


def _password_login() -> bool:
    raw = _env("PASSWORD_LOGIN", "true").lower()
    if raw not in ("true", "false"):
        raise ValueError(f"PASSWORD_LOGIN must be true or false, got {raw!r}")
    return raw == "true"
SMTP_SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """SMTP_HOST, SMTP_PORT (587), SMTP_SECURITY (starttls, tls or none), SMTP_USERNAME, SMTP_PASSWORD,
    SMTP_FROM (the sender residents see and answer to)."""

    host: str
    sender: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = _env("SMTP_HOST", "")
        if not host:
            return None
        sender = _env("SMTP_FROM", "")
        if "@" not in sender:
            raise ValueError("SMTP_FROM: the sender address (e.g. kontaktcenter@helsingborg.se) is needed with SMTP_HOST")
        security = _env("SMTP_SECURITY", "starttls")
        if security not in SMTP_SECURITY:
            raise ValueError(f"SMTP_SECURITY: must be one of {', '.join(SMTP_SECURITY)}, got {security!r}")
        return cls(
            host=host, sender=sender, port=int(_env("SMTP_PORT", "465" if security == "tls" else "587")),
            security=security, username=_env("SMTP_USERNAME", ""), password=os.environ.get("SMTP_PASSWORD", ""),
        )


@dataclass(frozen=True)
class Settings:
    # Loopback unless ROUTER_HOST says otherwise: the router is published through the reverse proxy
    # (docs/deploy.md); listening on every interface must be a decision, not a default.
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    actions_url: str = "http://127.0.0.1:5055"
    internal_secret: str = ""
    database_url: str = f"sqlite+aiosqlite:///{paths.VAR / 'router.db'}"
    redis_url: str = ""
    settings_dir: Path = field(default=PROJECT_ROOT / "settings")
    # Pages (other origins) that may embed the resident widget: CORS and the resident WebSocket's Origin.
    allowed_origins: tuple[str, ...] = ()
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (empty: none).
    trusted_proxies: tuple[Network, ...] = ()
    fixed_now: datetime | None = None
    # Staff login: the city's identity provider (None: not offered) and the chat's own password accounts.
    oidc: OidcConfig | None = None
    password_login: bool = True
    # GET /metrics from other hosts needs `Authorization: Bearer <this>`; empty: loopback only.
    metrics_token: str = ""
    # "text" (a readable line) or "json" (one object per line, for a log collector).
    log_format: str = "text"
    # Answers to left messages go out by e-mail through this server; without SMTP_HOST the console
    # marks them as answered by phone instead.
    smtp: SmtpSettings | None = None

    def __post_init__(self) -> None:
        if not self.password_login and self.oidc is None:
            raise ValueError("PASSWORD_LOGIN=false needs OIDC_ISSUER: otherwise no one could log in")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {self.log_format!r}")

    @classmethod
    def from_env(cls, env_file: Path | None = None) -> "Settings":
        """Read settings; `.env` in the project root fills in what the environment lacks."""
        load_dotenv(env_file or paths.ENV_FILE, override=False)
        defaults = cls()
        fixed = os.environ.get("ROUTER_FIXED_NOW", "").strip()
        settings_dir = Path(_env("SETTINGS_DIR", str(defaults.settings_dir)))
        if not settings_dir.is_absolute():
            settings_dir = PROJECT_ROOT / settings_dir
        return cls(
            host=_env("ROUTER_HOST", defaults.host),
            port=int(_env("ROUTER_PORT", str(defaults.port))),
            rasa_url=_env("RASA_URL", defaults.rasa_url).rstrip("/"),
            rasa_token=_env("RASA_TOKEN", ""),
            actions_url=_env("ACTIONS_URL", defaults.actions_url).rstrip("/"),
            internal_secret=_env("INTERNAL_SECRET", ""),
            database_url=_env("DATABASE_URL", defaults.database_url),
            redis_url=_env("REDIS_URL", ""),
            settings_dir=settings_dir,
            allowed_origins=parse_origins(os.environ.get("ALLOWED_ORIGINS", "")),
            trusted_proxies=parse_networks(os.environ.get("TRUSTED_PROXIES", "")),
            fixed_now=datetime.fromisoformat(fixed) if fixed else None,
            oidc=OidcConfig.from_env(),
            password_login=_password_login(),
            metrics_token=_env("METRICS_TOKEN", ""),
            log_format=_env("LOG_FORMAT", defaults.log_format).lower(),
            smtp=SmtpSettings.from_env(),
        )
