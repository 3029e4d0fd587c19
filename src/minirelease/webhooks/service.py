"""Use cases for webhook endpoints: register, list, read, change, delete, rotate the
secret, and ping. Each change records its audit event in the caller's transaction; the
secret is shown once, when it is made (registration, rotation), and never audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Principal
from minirelease.db import utcnow
from minirelease.errors import ValidationFailed
from minirelease.ids import new_id
from minirelease.pagination import Page, PageRequest, ascending, paginate
from minirelease.webhooks import destinations, events, outbox, signing
from minirelease.webhooks.access import load_webhook, require_manager
from minirelease.webhooks.destinations import Resolver
from minirelease.webhooks.models import Webhook, WebhookDelivery

# During a rotation both secrets sign, so receivers can switch without losing a delivery.
ROTATION_OVERLAP = dt.timedelta(hours=24)
MAX_DESCRIPTION = 500


def validate_events(requested: Sequence[str]) -> list[str]:
    if not requested:
        raise ValidationFailed("events: name at least one event type, or *", field="events")
    unknown = [name for name in requested if name != events.ALL and name not in events.EVENT_TYPES]
    if unknown:
        raise ValidationFailed(
            f"events: unknown event type {unknown[0]!r}; one of {', '.join(events.EVENT_TYPES)}"
            " or *",
            field="events",
        )
    return list(dict.fromkeys(requested))


def _description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(f"description: at most {MAX_DESCRIPTION} characters")
    return text


def snapshot(webhook: Webhook) -> dict[str, Any]:
    return {
        "url": webhook.url,
        "events": list(webhook.events),
        "description": webhook.description,
        "enabled": webhook.enabled,
    }


def _audit(
    session: Session, principal: Principal, action: str, webhook: Webhook, **change: Any
) -> None:
    audit.record(
        session,
        actor=principal.user_id,
        action=f"webhook.{action}",
        target_type="webhook",
        target_id=webhook.id,
        workspace_id=webhook.workspace_id,
        **change,
    )


def create_webhook(
    session: Session,
    principal: Principal,
    *,
    workspace_id: str,
    url: str,
    event_types: Sequence[str],
    secret: str | None = None,
    description: str = "",
    allow_private: bool = False,
    resolve: Resolver = destinations.system_resolver,
) -> Webhook:
    require_manager(session, principal, workspace_id)
    chosen = validate_events(event_types)
    destinations.check(url, allow_private=allow_private, resolve=resolve)
    now = utcnow()
    webhook = Webhook(
        id=new_id("whk"),
        workspace_id=workspace_id,
        url=url,
        events=chosen,
        description=_description(description),
        enabled=True,
        secret=signing.validate_secret(secret) if secret else signing.generate_secret(),
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(webhook)
    session.flush()
    _audit(session, principal, "create", webhook, after=snapshot(webhook))
    return webhook


def list_webhooks(
    session: Session, principal: Principal, *, workspace_id: str, page: PageRequest | None = None
) -> Page[Webhook]:
    require_manager(session, principal, workspace_id)
    query = select(Webhook).where(Webhook.workspace_id == workspace_id)
    return paginate(session, query, [ascending(Webhook.created_at), ascending(Webhook.id)], page)


def get_webhook(session: Session, principal: Principal, *, webhook_id: str) -> Webhook:
    return load_webhook(session, principal, webhook_id)


def update_webhook(
    session: Session,
    principal: Principal,
    *,
    webhook_id: str,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    allow_private: bool = False,
    resolve: Resolver = destinations.system_resolver,
) -> Webhook:
    webhook = load_webhook(session, principal, webhook_id, lock=True)
    before = snapshot(webhook)
    if url is not None and url != webhook.url:
        destinations.check(url, allow_private=allow_private, resolve=resolve)
        webhook.url = url
    if event_types is not None:
        webhook.events = validate_events(event_types)
    if description is not None:
        webhook.description = _description(description)
    if enabled is not None:
        webhook.enabled = enabled
    after = snapshot(webhook)
    if after != before:
        webhook.updated_at = utcnow()
        session.flush()
        _audit(session, principal, "update", webhook, before=before, after=after)
    return webhook


def delete_webhook(session: Session, principal: Principal, *, webhook_id: str) -> None:
    """Delete the endpoint with its delivery log; its pending deliveries stop."""
    webhook = load_webhook(session, principal, webhook_id, lock=True)
    _audit(session, principal, "delete", webhook, before=snapshot(webhook))
    session.delete(webhook)
    session.flush()


def rotate_secret(
    session: Session, principal: Principal, *, webhook_id: str, now: dt.datetime | None = None
) -> tuple[Webhook, str]:
    """A new secret, returned once; the old one signs as well for ``ROTATION_OVERLAP``."""
    now = now or utcnow()
    webhook = load_webhook(session, principal, webhook_id, lock=True)
    webhook.previous_secret = webhook.secret
    webhook.previous_secret_expires_at = now + ROTATION_OVERLAP
    webhook.secret = signing.generate_secret()
    webhook.updated_at = now
    session.flush()
    _audit(
        session,
        principal,
        "rotate_secret",
        webhook,
        after={"previous_secret_expires_at": webhook.previous_secret_expires_at.isoformat()},
    )
    return webhook, webhook.secret


def ping(session: Session, principal: Principal, *, webhook_id: str) -> WebhookDelivery:
    """A ``webhook.ping`` delivery to this endpoint alone, sent like any other."""
    webhook = load_webhook(session, principal, webhook_id)
    now = utcnow()
    payload = {
        "type": events.PING,
        "timestamp": events.timestamp(now),
        "data": {"workspace_id": webhook.workspace_id, "webhook_id": webhook.id},
    }
    delivery = outbox.deliver(session, webhook, events.PING, outbox.encode(payload))
    session.flush()
    _audit(
        session,
        principal,
        "ping",
        webhook,
        after={"delivery_id": delivery.id, "event_type": events.PING},
    )
    return delivery
