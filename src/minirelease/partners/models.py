"""Partner apps (super apps and wallets hosting mini programs) and their reviewers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base, utcnow


class PartnerApp(Base):
    __tablename__ = "partner_apps"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # e.g. "wallet://mini?appId={app_id}&page={page}&query={query}"
    deep_link_template: Mapped[str] = mapped_column(String(500))
    # {"main_package_bytes", "subpackage_bytes", "total_bytes"}; see partners/profile.py
    package_limits: Mapped[dict[str, Any]]
    # Whether a failing compatibility report blocks "Apply to Release".
    block_on_failing_report: Mapped[bool] = mapped_column(default=False)
    grayscale_deadline_days: Mapped[int] = mapped_column(default=15)
    # {"jsapis": [...], "components": [...], "os_versions": {"android": [...], "ios": [...]}}
    capability_profile: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PartnerReviewer(Base):
    __tablename__ = "partner_reviewers"

    partner_app_id: Mapped[str] = mapped_column(
        ForeignKey("partner_apps.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
