"""Trygghetssignaler (issue 16): one table of statistics with no conversation id and no message text,
covering indexes starting with `day` for the aggregation of the signals page, and the monthly tallies.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_signals_day_district_category": ["day", "district", "category"],
    "ix_signals_day_month": ["day", "month"],
    "ix_signals_day_time_of_day": ["day", "time_of_day"],
    "ix_signals_day_weekday": ["day", "weekday"],
    "ix_signals_day_district_place": ["day", "district", "place"],
}


def upgrade() -> None:
    op.create_table(
        'signals',
        sa.Column('district', sa.String(length=40), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('time_of_day', sa.String(length=10), nullable=True),
        sa.Column('weekday', sa.String(length=10), nullable=True),
        sa.Column('place', sa.String(length=80), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('public_id'),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, 'signals', columns)
    op.create_table(
        'signal_tallies',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('view', sa.String(length=4), nullable=False),
        sa.Column('a', sa.String(length=80), nullable=False),
        sa.Column('b', sa.String(length=80), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'view', 'a', 'b'),
    )


def downgrade() -> None:
    op.drop_table('signal_tallies')
    for name in INDEXES:
        op.drop_index(name, table_name='signals')
    op.drop_table('signals')
