"""console sign-in: passwords, sessions, failed sign-ins; audit log indexes for pages

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minirelease.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


AUDIT_SCOPES = ('workspace_id', 'mini_program_id', 'release_id')


def upgrade() -> None:
    # Each audit scope's index also orders by id: a page of the log reads in index order.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for column in AUDIT_SCOPES:
            batch_op.drop_index(f'ix_audit_events_{column}')
            batch_op.create_index(f'ix_audit_events_{column}_id', [column, 'id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))

    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', minirelease.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', minirelease.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', minirelease.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', minirelease.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_console_sessions_secret_hash'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('sign_in_failures',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=340), nullable=False),
    sa.Column('failed_at', minirelease.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failures_failed_at'), ['failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_failed_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_subject'))
    op.drop_table('sign_in_failures')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))
    op.drop_table('console_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for column in AUDIT_SCOPES:
            batch_op.drop_index(f'ix_audit_events_{column}_id')
            batch_op.create_index(f'ix_audit_events_{column}', [column], unique=False)
