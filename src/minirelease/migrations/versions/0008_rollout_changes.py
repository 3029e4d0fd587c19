"""rollout changes: the (mini program, partner app) pairs each bump of the rollout serial
touched, so that server processes update their snapshot for those pairs only

Rows are written by every serial bump and pruned as new ones come
(minirelease/rollout/changes.py). A database upgraded from 0007 has none: the first
change after the upgrade makes every process rebuild fully, once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollout_changes",
        sa.Column("serial", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pairs", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_rollout_changes")),
    )


def downgrade() -> None:
    op.drop_table("rollout_changes")
