"""The counters of the database rate-limit store (sql_storage.py)."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    # The ``limits`` library's key: the limit, the client or account, and the window.
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Seconds since the epoch, as the library reckons windows (``time.time()``).
    expires_at: Mapped[float] = mapped_column(Float, index=True)
