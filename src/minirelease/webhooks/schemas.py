"""Request and response bodies for webhooks and their delivery log."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import Field

from minirelease.schemas import Body, Read
from minirelease.webhooks.destinations import MAX_URL_CHARS
from minirelease.webhooks.events import EVENT_TYPES
from minirelease.webhooks.models import WebhookAttempt, WebhookDelivery

_EVENTS_HELP = f"Event types to receive, or `*` for all: {', '.join(EVENT_TYPES)}."
MAX_EVENTS = len(EVENT_TYPES) + 1


class WebhookCreate(Body):
    url: str = Field(max_length=MAX_URL_CHARS, description="https URL that receives the events.")
    events: list[str] = Field(min_length=1, max_length=MAX_EVENTS, description=_EVENTS_HELP)
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="`whsec_` + base64 of 24 to 64 bytes; made for you when left out.",
    )
    description: str = Field(default="", max_length=500)


class WebhookUpdate(Body):
    url: str | None = Field(default=None, max_length=MAX_URL_CHARS)
    events: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_EVENTS, description=_EVENTS_HELP
    )
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class WebhookRead(Read):
    id: str
    workspace_id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until then, deliveries carry a second signature made with the old secret."
    )


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret; shown this once and never again.")


class SecretRotated(Read):
    webhook_id: str
    secret: str = Field(description="The new signing secret; shown this once and never again.")
    previous_secret_expires_at: dt.datetime


class DeliveryRead(Read):
    id: str = Field(description="Sent as the `webhook-id` header, the same on every attempt.")
    webhook_id: str
    event_type: str
    status: str = Field(description="pending, succeeded or failed.")
    attempts: int
    last_status_code: int | None
    last_duration_ms: int | None
    last_response_body: str | None = Field(description="At most 1 KB of the last answer.")
    last_error: str | None
    next_attempt_at: dt.datetime | None
    redelivery_of: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None


class AttemptRead(Read):
    number: int
    started_at: dt.datetime
    duration_ms: int
    status_code: int | None
    response_body: str | None
    error: str | None
    succeeded: bool


class DeliveryDetail(DeliveryRead):
    payload: dict[str, Any] = Field(description="The body sent, as JSON.")
    attempt_log: list[AttemptRead]

    @classmethod
    def of(cls, delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryDetail:
        return cls(
            **DeliveryRead.model_validate(delivery).model_dump(),
            payload=json.loads(delivery.body),
            attempt_log=[AttemptRead.model_validate(attempt) for attempt in attempts],
        )
