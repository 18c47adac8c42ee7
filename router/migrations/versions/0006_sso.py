"""Staff single sign-on: accounts of the city's identity provider, sessions started through it, and the logins
under way at the provider.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_agents_oidc_identity', ['oidc_issuer', 'oidc_subject'])
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via_sso', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('sso_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('next_admin', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('state_hash')
    )


def downgrade() -> None:
    op.drop_table('sso_attempts')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('via_sso')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_agents_oidc_identity', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
        batch_op.drop_column('email')
