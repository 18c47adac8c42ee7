"""Tables of the records area: holds that stop deletion, the register of deleted cases, and which
scheduled retention runs have been claimed (so that one router process of several runs each)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlmodel import Field, SQLModel

from router.models import UTCDateTime


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Hold(SQLModel, table=True):
    """A stop on deleting a case, e.g. while a request for a public record is pending.

    A hold is active until `released_at` is set; released holds stay as the case's history."""

    __tablename__ = "holds"

    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    reason: str = Field(max_length=500)
    placed_by: int = Field(foreign_key="agents.id")
    placed_at: datetime = _time()
    released_by: Optional[int] = Field(default=None, foreign_key="agents.id")
    released_at: Optional[datetime] = _time(default=None)


class DeletedCase(SQLModel, table=True):
    """What is left of a case after retention deleted it: its number, kind and when (no content)."""

    __tablename__ = "deleted_cases"

    case_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    reference: Optional[str] = Field(default=None, max_length=32, index=True)
    kind: str = Field(max_length=16)
    deleted_at: datetime = _time()


class RetentionRun(SQLModel, table=True):
    """A scheduled retention run; the primary key lets exactly one router process claim it."""

    __tablename__ = "retention_runs"

    scheduled_for: datetime = _time(primary_key=True)
    started_at: datetime = _time()
