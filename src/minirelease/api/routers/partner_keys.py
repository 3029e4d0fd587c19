"""A partner app's keys for its backend (telemetry): created (the secret shown once),
listed without secrets, revoked. For platform admins and the partner app's reviewers."""

from __future__ import annotations

from fastapi import APIRouter

from minirelease.api.deps import CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.telemetry import keys
from minirelease.telemetry.schemas import PartnerKeyCreate, PartnerKeyCreated, PartnerKeyRead

router = APIRouter(tags=["partners"])


@router.post("/partner-apps/{code}/keys", status_code=201)
def create_key(
    code: str, body: PartnerKeyCreate, principal: CurrentUser, uow: Uow
) -> PartnerKeyCreated:
    key, secret = keys.create_key(uow.session, principal, code=code, name=body.name)
    uow.commit()
    return PartnerKeyCreated(**PartnerKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("/partner-apps/{code}/keys")
def list_keys(
    code: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[PartnerKeyRead]:
    listed = keys.list_keys(session, principal, code=code, page=page)
    return page_read(listed, PartnerKeyRead.model_validate)


@router.delete("/partner-apps/{code}/keys/{key_id}")
def revoke_key(code: str, key_id: str, principal: CurrentUser, uow: Uow) -> PartnerKeyRead:
    key = keys.revoke_key(uow.session, principal, code=code, key_id=key_id)
    read = PartnerKeyRead.model_validate(key)
    uow.commit()
    return read
