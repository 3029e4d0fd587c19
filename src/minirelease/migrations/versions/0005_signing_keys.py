"""signing keys: the public key every process signs with, and the earlier ones still published

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minirelease.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", minirelease.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", minirelease.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", minirelease.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", minirelease.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_keys")),
    )
    op.create_index(
        "uq_signing_keys_one_active",
        "signing_keys",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("uq_signing_keys_one_active", table_name="signing_keys")
    op.drop_table("signing_keys")
