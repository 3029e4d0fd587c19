"""The audit log: every change made through the API, written in the same transaction as
the change itself, so an event exists exactly when its change does. The webhook events
are derived from it, in that same transaction (webhooks/outbox.py).

The log is tamper-evident: one global hash chain over every event (audit_chain.py),
linked as each transaction commits and checked by ``minirelease audit verify``. One
chain, not one per workspace: the whole log is checked at once, events without a
workspace need no chain of their own, and a deleted workspace's events stay covered. It
serializes the commits of audited writes on PostgreSQL for the moment of linking them
(one row lock, held only from the link to the commit); audited writes are state changes
made by people and jobs, never the launches partner apps make, and PostgreSQL still took
about 170 such commits a second on a 2-core test machine (README, "Audit log")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from minirelease import audit_chain
from minirelease.db import Base, utcnow
from minirelease.ids import new_id
from minirelease.webhooks import outbox


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # The audit log is read one scope at a time, newest first by id, a page at a time:
    # each index serves both the filter and the order, so a page never sorts the scope.
    __table_args__ = (
        Index("ix_audit_events_workspace_id_id", "workspace_id", "id"),
        Index("ix_audit_events_mini_program_id_id", "mini_program_id", "id"),
        Index("ix_audit_events_release_id_id", "release_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # A user id, or a system actor such as "system:reconciler"; no foreign key, so the
    # record outlives what it describes.
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80))
    workspace_id: Mapped[str | None] = mapped_column(String(40))
    mini_program_id: Mapped[str | None] = mapped_column(String(40))
    release_id: Mapped[str | None] = mapped_column(String(40))
    partner_app: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    # The hash chain (audit_chain.py): set as the transaction commits, so null only
    # between its flush and its commit, never in a committed row.
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    workspace_id: str | None = None,
    mini_program_id: str | None = None,
    release_id: str | None = None,
    partner_app: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        id=new_id("aud"),
        occurred_at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        workspace_id=workspace_id,
        mini_program_id=mini_program_id,
        release_id=release_id,
        partner_app=partner_app,
        before=before,
        after=after,
    )
    session.add(event)
    audit_chain.awaiting_link(session, event)
    outbox.emit(session, event)
    return event
