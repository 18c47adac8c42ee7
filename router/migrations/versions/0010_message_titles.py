"""A resident's button tap keeps the button's title (issue 13): the payload ("/human_handoff") goes to Rasa,
the title ("Prata med en kommunvägledare") is what the resident, the console, the records and every
transcript show. Older messages have no title and show their text as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('title')
