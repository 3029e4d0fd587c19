"""periodic leases: periodic work runs once per interval across processes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minirelease.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "periodic_leases",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("next_due_at", minirelease.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", minirelease.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_periodic_leases")),
    )


def downgrade() -> None:
    op.drop_table("periodic_leases")
