"""Answers to left messages: how (e-mail or phone), to which address, what was said, when.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('answer_email', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('answer_text', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
        batch_op.drop_column('answer_text')
        batch_op.drop_column('answer_email')
        batch_op.drop_column('answer_channel')
