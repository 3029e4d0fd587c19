"""The compatibility profiles a platform admin changed or added; the shipped defaults
(compat/profiles.py) fill in every profile without a row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base, utcnow


class CompatProfile(Base):
    __tablename__ = "compat_profiles"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # os | network | device
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict[str, Any]]  # as compat/profiles.py validates it for the kind
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
