"""Deliveries made in the caller's transaction: ``emit`` is called by ``audit.record`` for
every audit event, and for one that stands for a webhook event (events.py) adds a delivery
row and its job for each enabled endpoint of the workspace subscribed to it. Both commit
with the change, or neither does; no worker sees the job before that."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.db import utcnow
from minirelease.ids import new_id
from minirelease.jobs.queue import enqueue
from minirelease.webhooks import events
from minirelease.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

if TYPE_CHECKING:
    from minirelease.audit import AuditEvent

DELIVERY_JOB = "webhook.deliver"
# Runs of one attempt's job whose worker died before recording it; each retry of the
# delivery itself is a job of its own (schedule.py), recorded with its attempt.
JOB_RUNS = 5


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True)


def emit(session: Session, event: AuditEvent) -> list[WebhookDelivery]:
    derived = events.derive(session, event)
    if derived is None:
        return []
    event_type, payload = derived
    endpoints = session.scalars(
        select(Webhook)
        .where(Webhook.workspace_id == event.workspace_id, Webhook.enabled.is_(True))
        .order_by(Webhook.id)
    ).all()
    body = encode(payload)
    return [
        deliver(session, endpoint, event_type, body, audit_event_id=event.id)
        for endpoint in endpoints
        if events.subscribed(endpoint.events, event_type)
    ]


def deliver(
    session: Session,
    webhook: Webhook,
    event_type: str,
    body: str,
    *,
    audit_event_id: str | None = None,
    redelivery_of: str | None = None,
) -> WebhookDelivery:
    """A new delivery of ``body`` to ``webhook``, and the job of its first attempt."""
    now = utcnow()
    delivery = WebhookDelivery(
        id=new_id("msg"),
        webhook_id=webhook.id,
        event_type=event_type,
        audit_event_id=audit_event_id,
        redelivery_of=redelivery_of,
        body=body,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    schedule_attempt(session, delivery, 1, now)
    return delivery


def schedule_attempt(
    session: Session, delivery: WebhookDelivery, number: int, when: dt.datetime
) -> None:
    enqueue(
        session,
        kind=DELIVERY_JOB,
        subject_id=delivery.id,
        payload={"attempt": number},
        max_attempts=JOB_RUNS,
        run_after=when,
    )
    delivery.next_attempt_at = when
