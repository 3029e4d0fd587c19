"""The delivery log of an endpoint: its deliveries newest first, one delivery with its
attempts, and a redelivery on demand (a new delivery of the same payload)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Principal
from minirelease.pagination import Page, PageRequest, descending, paginate
from minirelease.webhooks import outbox
from minirelease.webhooks.access import load_delivery, load_webhook
from minirelease.webhooks.models import WebhookAttempt, WebhookDelivery


def list_deliveries(
    session: Session, principal: Principal, *, webhook_id: str, page: PageRequest | None = None
) -> Page[WebhookDelivery]:
    load_webhook(session, principal, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    order = [descending(WebhookDelivery.created_at), descending(WebhookDelivery.id)]
    return paginate(session, query, order, page)


def get_delivery(
    session: Session, principal: Principal, *, webhook_id: str, delivery_id: str
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    _, delivery = load_delivery(session, principal, webhook_id, delivery_id)
    attempts = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.number, WebhookAttempt.id)
    ).all()
    return delivery, list(attempts)


def redeliver(
    session: Session, principal: Principal, *, webhook_id: str, delivery_id: str
) -> WebhookDelivery:
    webhook, original = load_delivery(session, principal, webhook_id, delivery_id)
    again = outbox.deliver(
        session,
        webhook,
        original.event_type,
        original.body,
        audit_event_id=original.audit_event_id,
        redelivery_of=original.id,
    )
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="webhook.redeliver",
        target_type="webhook_delivery",
        target_id=again.id,
        workspace_id=webhook.workspace_id,
        after={"webhook_id": webhook.id, "redelivery_of": original.id},
    )
    return again
