"""Who may manage a workspace's webhooks: its owners and masters
(``workspace:webhooks:manage``). A caller who cannot see the workspace does not learn
that the webhook exists (404); a member who may not manage webhooks gets 403."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal
from minirelease.errors import NotFound
from minirelease.webhooks.models import Webhook, WebhookDelivery
from minirelease.workspaces.lookup import load_workspace

MANAGE = Permission.WORKSPACE_WEBHOOKS_MANAGE


def require_manager(session: Session, principal: Principal, workspace_id: str) -> None:
    load_workspace(session, principal, workspace_id, MANAGE)


def load_webhook(
    session: Session, principal: Principal, webhook_id: str, *, lock: bool = False
) -> Webhook:
    webhook = session.get(Webhook, webhook_id, with_for_update=lock)
    if webhook is None:
        raise NotFound("webhook not found")
    try:
        require_manager(session, principal, webhook.workspace_id)
    except NotFound:
        raise NotFound("webhook not found") from None
    return webhook


def load_delivery(
    session: Session, principal: Principal, webhook_id: str, delivery_id: str
) -> tuple[Webhook, WebhookDelivery]:
    webhook = load_webhook(session, principal, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound("delivery not found")
    return webhook, delivery
