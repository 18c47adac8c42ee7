"""The logins under way at the identity provider, so the callback can be matched to the browser that started
it, in whichever router process it lands."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from router.models import UTCDateTime


class SsoAttempt(SQLModel, table=True):
    """One login sent to the provider: found by the hash of its `state`, used once, gone after ten minutes."""

    __tablename__ = "sso_attempts"

    id: Optional[int] = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    next_admin: bool = Field(default=False)
    expires_at: datetime = Field(sa_type=UTCDateTime)


