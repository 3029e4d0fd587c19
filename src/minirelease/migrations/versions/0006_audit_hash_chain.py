"""audit hash chain: seq, prev_hash and hash on every event, and the chain head

The events recorded before it are chained here, in the order they happened (occurred_at,
then id), with the same canonical hash as new events (minirelease/audit_chain.py), so
``minirelease audit verify`` passes on an upgraded database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 11:55:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from minirelease.audit_chain import GENESIS, HASHED_FIELDS, HEAD_ID, event_hash
from minirelease.db import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
    _chain_existing_events()


# Just the columns the chain needs, without the live model.
_events = sa.table(
    "audit_events",
    sa.column("id", sa.String),
    sa.column("occurred_at", UTCDateTime(timezone=True)),
    *(sa.column(name, sa.String) for name in HASHED_FIELDS[2:10]),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
_head = sa.table(
    "audit_chain_head",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("hash", sa.String),
)
_BATCH = 1000


def _chain_existing_events() -> None:
    """Chain the existing events a page at a time (keyset on occurred_at, id), then seed
    the head with the last link."""
    bind = op.get_bind()
    seq, prev_hash = 0, GENESIS
    after: tuple[dt.datetime, str] | None = None
    columns = [_events.c[name] for name in HASHED_FIELDS]
    while True:
        query = sa.select(*columns).order_by(_events.c.occurred_at, _events.c.id).limit(_BATCH)
        if after is not None:
            at, last_id = after
            query = query.where(
                sa.or_(
                    _events.c.occurred_at > at,
                    sa.and_(_events.c.occurred_at == at, _events.c.id > last_id),
                )
            )
        rows = bind.execute(query).all()
        if not rows:
            break
        links = []
        for row in rows:
            seq += 1
            digest = event_hash(dict(row._mapping), prev_hash)
            links.append({"row_id": row.id, "seq": seq, "prev_hash": prev_hash, "hash": digest})
            prev_hash = digest
        bind.execute(
            _events.update()
            .where(_events.c.id == sa.bindparam("row_id"))
            .values(
                seq=sa.bindparam("seq"),
                prev_hash=sa.bindparam("prev_hash"),
                hash=sa.bindparam("hash"),
            ),
            links,
        )
        after = (rows[-1].occurred_at, rows[-1].id)
    bind.execute(_head.insert().values(id=HEAD_ID, seq=seq, hash=prev_hash))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")

    op.drop_table("audit_chain_head")
