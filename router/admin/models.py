"""Tables of the administration: reviewed inbox messages, trained models and their scores,
deployments (which model served when) and the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from router.models import UTCDateTime

# Review outcomes of an inbox message
ANNOTATED, OUT_OF_SCOPE, DISMISSED = "annotated", "out_of_scope", "dismissed"


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Review(SQLModel, table=True):
    """An administrator's decision on one inbox message; reviewed messages leave the inbox."""

    __tablename__ = "admin_reviews"

    id: Optional[int] = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", unique=True)
    agent_id: Optional[int] = Field(default=None, foreign_key="agents.id")
    outcome: str = Field(max_length=16)
    intent: Optional[str] = Field(default=None, max_length=100)
    example: Optional[str] = None
    created_at: datetime = _time()


class TrainedModel(SQLModel, table=True):
    """A model file under models/ and, once evaluated, its held-out scores."""

    __tablename__ = "admin_models"

    id: Optional[int] = Field(default=None, primary_key=True)
    path: str = Field(max_length=500, unique=True)
    created_at: datetime = _time()
    macro_f1: Optional[float] = None
    emergency_recall: Optional[float] = None
    evaluation: Optional[dict[str, Any]] = Field(default=None, sa_type=sa.JSON)
    evaluated_at: Optional[datetime] = _time(default=None)


class Deployment(SQLModel, table=True):
    """A model put into service (deploy or rollback); it served until the next deployment."""

    __tablename__ = "admin_deployments"

    id: Optional[int] = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="admin_models.id", index=True)
    actor: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # "deploy" | "rollback"
    override_reason: Optional[str] = None
    swap_seconds: Optional[float] = None
    created_at: datetime = _time()


class AuditEntry(SQLModel, table=True):
    """Who changed, trained, deployed or rolled back what, and when."""

    __tablename__ = "admin_audit"

    id: Optional[int] = Field(default=None, primary_key=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=32, index=True)
    target: Optional[str] = Field(default=None, max_length=500)
    details: Optional[dict[str, Any]] = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = _time()
