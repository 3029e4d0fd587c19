"""Webhooks: endpoints of a workspace, their secrets, pings and delivery logs (issue 10)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from minirelease.api.deps import AppSettings, CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.webhooks import deliveries, service
from minirelease.webhooks.schemas import (
    DeliveryDetail,
    DeliveryRead,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(tags=["webhooks"])


@router.post("/workspaces/{workspace_id}/webhooks", status_code=201, response_model=WebhookCreated)
def create_webhook(
    workspace_id: str,
    body: WebhookCreate,
    principal: CurrentUser,
    uow: Uow,
    settings: AppSettings,
) -> WebhookCreated:
    webhook = service.create_webhook(
        uow.session,
        principal,
        workspace_id=workspace_id,
        url=body.url,
        event_types=body.events,
        secret=body.secret,
        description=body.description,
        allow_private=settings.webhooks_allow_private,
    )
    uow.commit()
    return WebhookCreated(**WebhookRead.model_validate(webhook).model_dump(), secret=webhook.secret)


@router.get("/workspaces/{workspace_id}/webhooks", response_model=PageRead[WebhookRead])
def list_webhooks(
    workspace_id: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[WebhookRead]:
    listed = service.list_webhooks(session, principal, workspace_id=workspace_id, page=page)
    return page_read(listed, WebhookRead.model_validate)


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead)
def get_webhook(webhook_id: str, principal: CurrentUser, session: DbSession) -> WebhookRead:
    return WebhookRead.model_validate(
        service.get_webhook(session, principal, webhook_id=webhook_id)
    )


@router.patch("/webhooks/{webhook_id}", response_model=WebhookRead)
def update_webhook(
    webhook_id: str,
    body: WebhookUpdate,
    principal: CurrentUser,
    uow: Uow,
    settings: AppSettings,
) -> WebhookRead:
    webhook = service.update_webhook(
        uow.session,
        principal,
        webhook_id=webhook_id,
        url=body.url,
        event_types=body.events,
        description=body.description,
        enabled=body.enabled,
        allow_private=settings.webhooks_allow_private,
    )
    uow.commit()
    return WebhookRead.model_validate(webhook)


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, principal: CurrentUser, uow: Uow) -> Response:
    service.delete_webhook(uow.session, principal, webhook_id=webhook_id)
    uow.commit()
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/rotate-secret", response_model=SecretRotated)
def rotate_secret(webhook_id: str, principal: CurrentUser, uow: Uow) -> SecretRotated:
    webhook, secret = service.rotate_secret(uow.session, principal, webhook_id=webhook_id)
    uow.commit()
    assert webhook.previous_secret_expires_at is not None
    return SecretRotated(
        webhook_id=webhook.id,
        secret=secret,
        previous_secret_expires_at=webhook.previous_secret_expires_at,
    )


@router.post("/webhooks/{webhook_id}/ping", status_code=202, response_model=DeliveryRead)
def ping(webhook_id: str, principal: CurrentUser, uow: Uow, request: Request) -> DeliveryRead:
    delivery = service.ping(uow.session, principal, webhook_id=webhook_id)
    uow.commit()
    uow.after_commit(request.app.state.jobs.notify)
    return DeliveryRead.model_validate(delivery)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=PageRead[DeliveryRead])
def list_deliveries(
    webhook_id: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[DeliveryRead]:
    listed = deliveries.list_deliveries(session, principal, webhook_id=webhook_id, page=page)
    return page_read(listed, DeliveryRead.model_validate)


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(
    webhook_id: str, delivery_id: str, principal: CurrentUser, session: DbSession
) -> DeliveryDetail:
    delivery, attempts = deliveries.get_delivery(
        session, principal, webhook_id=webhook_id, delivery_id=delivery_id
    )
    return DeliveryDetail.of(delivery, attempts)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryRead,
)
def redeliver(
    webhook_id: str, delivery_id: str, principal: CurrentUser, uow: Uow, request: Request
) -> DeliveryRead:
    delivery = deliveries.redeliver(
        uow.session, principal, webhook_id=webhook_id, delivery_id=delivery_id
    )
    uow.commit()
    uow.after_commit(request.app.state.jobs.notify)
    return DeliveryRead.model_validate(delivery)
