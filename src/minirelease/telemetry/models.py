"""Partner app keys, telemetry counters and the batch ids already counted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base, utcnow


class PartnerAppKey(Base):
    """A secret a partner app's backend sends telemetry with. Only its sha256 is kept."""

    __tablename__ = "partner_app_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_app_id: Mapped[str] = mapped_column(
        ForeignKey("partner_apps.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret ("mrk_AbCd"), to tell keys apart in a list.
    hint: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class TelemetryCount(Base):
    """How many launches of one release ended with one outcome in one minute (UTC)."""

    __tablename__ = "telemetry_counts"

    release_id: Mapped[str] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    minute: Mapped[int] = mapped_column(primary_key=True)  # minutes since the Unix epoch
    count: Mapped[int] = mapped_column(BigInteger)


class TelemetryBatch(Base):
    """A batch id a partner app sent, with what it counted: a retried batch is not counted
    twice."""

    __tablename__ = "telemetry_batches"

    partner_app_id: Mapped[str] = mapped_column(
        ForeignKey("partner_apps.id", ondelete="CASCADE"), primary_key=True
    )
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    events: Mapped[int]
    count: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
