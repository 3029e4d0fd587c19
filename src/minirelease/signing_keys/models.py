"""One row per public key the platform has signed with. At most one is ``active`` (a
partial unique index, so two processes racing to record their keys cannot both win)."""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base

ACTIVE: Final = "active"  # signs; published
PREVIOUS: Final = "previous"  # rotated out; still published, so older signatures verify
RETIRED: Final = "retired"  # no longer published: signatures by it are refused
PUBLISHED: Final = (ACTIVE, PREVIOUS)

_ONLY_ACTIVE = text("status = 'active'")


class SigningKey(Base):
    __tablename__ = "signing_keys"
    __table_args__ = (
        Index(
            "uq_signing_keys_one_active",
            "status",
            unique=True,
            sqlite_where=_ONLY_ACTIVE,
            postgresql_where=_ONLY_ACTIVE,
        ),
    )

    # The first 16 hex digits of SHA-256 of the raw public key (resolver.signature.key_id).
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32 bytes
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    activated_at: Mapped[dt.datetime]
    # When it stopped signing (rotated out) and when it stopped being published.
    replaced_at: Mapped[dt.datetime | None]
    retired_at: Mapped[dt.datetime | None]
