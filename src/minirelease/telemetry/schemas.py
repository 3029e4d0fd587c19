"""Telemetry and partner app key request and response shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, StrictInt

from minirelease.schemas import Body, Read
from minirelease.telemetry.service import MAX_COUNT, MAX_EVENTS, Event, Outcome


class TelemetryEvent(Body):
    app_id: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=64)
    release_id: str = Field(min_length=1, max_length=40)
    outcome: Outcome = Field(strict=False)  # from its JSON string (Body is strict)
    count: StrictInt = Field(ge=1, le=MAX_COUNT)

    def to_event(self) -> Event:
        return Event(self.app_id, self.version, self.release_id, self.outcome, self.count)


class TelemetryBatchCreate(Body):
    events: list[TelemetryEvent] = Field(min_length=1, max_length=MAX_EVENTS)
    partner_app: str | None = Field(
        default=None,
        max_length=40,
        description="The sender's partner app code; when given, the key must be that app's",
    )
    batch_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Makes retries safe: a batch id seen in the last 24 hours is not counted again",
    )


class TelemetryAccepted(BaseModel):
    events: int
    count: int
    duplicate: bool


class PartnerKeyCreate(Body):
    name: str = Field(min_length=1, max_length=100)


class PartnerKeyRead(Read):
    id: str
    name: str
    hint: str
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class PartnerKeyCreated(PartnerKeyRead):
    key: str = Field(description="The secret; shown this once and never again.")
