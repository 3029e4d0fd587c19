"""The compatibility lab's OS, network and device profiles (design §5): readable by every
authenticated user (they explain a report's matrix), changed by platform admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from minirelease.api.deps import CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.compat import profile_store
from minirelease.compat.profile_store import StoredProfile
from minirelease.schemas import Body

router = APIRouter(tags=["compatibility"])


class ProfilePut(Body):
    data: dict[str, Any]


class ProfileRead(BaseModel):
    kind: str
    name: str
    data: dict[str, Any]
    customized: bool


def _read(profile: StoredProfile) -> ProfileRead:
    return ProfileRead(
        kind=profile.kind, name=profile.name, data=profile.data, customized=profile.customized
    )


@router.get("/compat/profiles")
def list_profiles(
    principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[ProfileRead]:
    return page_read(profile_store.list_profiles(session, principal, page=page), _read)


@router.put("/compat/profiles/{kind}/{name}")
def put_profile(
    kind: str, name: str, body: ProfilePut, principal: CurrentUser, uow: Uow
) -> ProfileRead:
    profile = profile_store.put_profile(
        uow.session, principal, kind=kind, name=name, data=body.data
    )
    read = _read(profile)
    uow.commit()
    return read
