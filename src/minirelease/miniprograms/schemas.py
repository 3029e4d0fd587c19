"""Request and response bodies of the mini program endpoints. The bodies only shape the
input; the rules themselves (lengths, categories, whitelists) live in ``rules.py`` and
``domains.py`` so every entry point applies the same ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field, model_validator

from minirelease.miniprograms import rules
from minirelease.miniprograms.models import MiniProgram
from minirelease.schemas import Body, Read

_IMMUTABLE = ("app_id", "release_target")


class MiniProgramCreate(Body):
    name: str
    description: str = ""
    category: str = Field(description=f"One of: {', '.join(rules.CATEGORIES)}.")
    release_target: str = Field(
        description="Where the mini program is released: "
        + ", ".join(f"{key} ({label})" for key, label in rules.RELEASE_TARGETS.items())
    )


class MiniProgramUpdate(Body):
    """Only the fields given change; whitelists and testers are replaced as whole lists."""

    name: str | None = None
    description: str | None = None
    category: str | None = None
    server_domains: list[str] | None = None
    h5_domains: list[str] | None = None
    tester_user_ids: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_immutable(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in _IMMUTABLE:
                if key in data:
                    raise ValueError(f"{key} cannot be changed after creation")
        return data

    @model_validator(mode="after")
    def _refuse_null(self) -> MiniProgramUpdate:
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; omit a field to keep it")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class IconRead(BaseModel):
    content_type: str
    sha256: str
    url: str


class MiniProgramRead(Read):
    id: str
    app_id: str
    workspace_id: str
    release_target: str
    name: str
    description: str
    category: str
    icon: IconRead | None
    server_domains: list[str]
    h5_domains: list[str]
    tester_user_ids: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, mp: MiniProgram, *, icon_url: str) -> MiniProgramRead:
        # Built field by field: the model's ``icon`` column holds the bytes, never sent here.
        icon = None
        if mp.icon_sha256 is not None and mp.icon_content_type is not None:
            icon = IconRead(content_type=mp.icon_content_type, sha256=mp.icon_sha256, url=icon_url)
        return cls(
            id=mp.id,
            app_id=mp.app_id,
            workspace_id=mp.workspace_id,
            release_target=mp.release_target,
            name=mp.name,
            description=mp.description,
            category=mp.category,
            icon=icon,
            server_domains=mp.server_domains,
            h5_domains=mp.h5_domains,
            tester_user_ids=mp.tester_user_ids,
            created_at=mp.created_at,
            updated_at=mp.updated_at,
        )
