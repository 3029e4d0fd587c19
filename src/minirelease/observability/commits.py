"""Counters of what the shared state records, counted when it commits: builds and
compatibility runs finished, grayscales halted by a health gate (from the audit events
every state change writes) and webhook deliveries (their attempts and final outcomes).

A listener on every ORM session notes those rows as they are flushed and counts them
once the transaction commits; a rollback forgets them. The domain code stays unaware."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from minirelease.audit import AuditEvent
from minirelease.observability.metrics import Metrics, process_metrics
from minirelease.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

_PENDING = "observability.pending"
_FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)

Fact = tuple[str, str]


def facts_of(session: Session) -> list[Fact]:
    """What the rows about to be flushed tell: (counter, label) pairs."""
    found: list[Fact] = []
    for obj in session.new:
        if isinstance(obj, AuditEvent):
            found.extend(_audited(obj))
        elif isinstance(obj, WebhookAttempt):
            found.append(("webhook_attempts", "succeeded" if obj.succeeded else "failed"))
    for obj in session.dirty:
        if isinstance(obj, WebhookDelivery):
            history = inspect(obj).attrs.status.history
            if history.added and obj.status in _FINISHED:
                found.append(("webhook_deliveries", obj.status))
    return found


def _audited(audit: AuditEvent) -> list[Fact]:
    after: dict[str, Any] = audit.after or {}
    if audit.action == "release.build_succeeded":
        return [("builds", "succeeded")]
    if audit.action == "release.build_failed":
        return [("builds", "failed")]
    if audit.action == "release.test_finished":
        return [("compatibility_runs", str(after.get("result") or "unknown"))]
    if audit.action == "release.halt" and "health_gate" in after:
        return [("gate_halts", "")]
    return []


def count(metrics: Metrics, facts: list[Fact]) -> None:
    for name, label in facts:
        counter = getattr(metrics, name)
        (counter.labels(label) if label else counter).inc()


def _before_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    facts = facts_of(session)
    if facts:
        # Noted with the (innermost) transaction that flushes them: a savepoint rolled
        # back takes its facts with it, and leaves the enclosing transaction's.
        current = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(_PENDING, []).append((current, facts))


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        metrics = process_metrics()
        for _, facts in pending:
            count(metrics, facts)


def _after_soft_rollback(session: Session, rolled_back: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, facts) for t, facts in pending if not _within(t, rolled_back)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


_installed = False


def install() -> None:
    """Listen on every session of this process (once; later calls do nothing)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _installed = True
