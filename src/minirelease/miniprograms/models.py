"""Mini programs and their uploaded versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minirelease.db import Base, utcnow


class MiniProgram(Base):
    __tablename__ = "mini_programs"
    # Names are unique per workspace; the service also refuses case variants.
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The public id partner apps launch by (16 digits, like Alipay's app ids).
    app_id: Mapped[str] = mapped_column(String(32), unique=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    release_target: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(String(60))
    icon_sha256: Mapped[str | None] = mapped_column(String(64))
    icon_content_type: Mapped[str | None] = mapped_column(String(20))
    # The icon itself (at most 1 MB), loaded only when served.
    icon: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    server_domains: Mapped[list[Any]] = mapped_column(default=list)
    h5_domains: Mapped[list[Any]] = mapped_column(default=list)
    tester_user_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Version(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("mini_program_id", "version"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    mini_program_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")
    package_sha256: Mapped[str] = mapped_column(String(64))
    package_size: Mapped[int]
    entry_count: Mapped[int]
    uncompressed_size: Mapped[int]
    # The validated app.json: {"pages": [...], "subPackages": [...]}
    app_json: Mapped[dict[str, Any]]
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
