"""Launch outcomes from partner apps' backends (issue 5), authenticated by a partner app
key (``Authorization: Bearer mrk_…``), not by a user's token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from minirelease.api.deps import DbSession, PartnerKey, Uow
from minirelease.db import utcnow
from minirelease.errors import PermissionDenied
from minirelease.partners.models import PartnerApp
from minirelease.telemetry import keys, service
from minirelease.telemetry.schemas import TelemetryAccepted, TelemetryBatchCreate

router = APIRouter(tags=["runtime"])


def partner_of_key(key: PartnerKey, session: DbSession) -> PartnerApp:
    """The sending partner app; a dependency, so who is asking is settled before the body."""
    return keys.authenticate(session, key)


KeyedPartner = Annotated[PartnerApp, Depends(partner_of_key)]


@router.post("/telemetry", status_code=202)
def post_telemetry(
    body: TelemetryBatchCreate, partner: KeyedPartner, uow: Uow
) -> TelemetryAccepted:
    if body.partner_app is not None and body.partner_app != partner.code:
        raise PermissionDenied(f"this key is not a key of partner app {body.partner_app!r}")
    accepted = service.record(
        uow.session,
        partner,
        [event.to_event() for event in body.events],
        now=utcnow(),
        batch_id=body.batch_id,
    )
    uow.commit()
    return TelemetryAccepted(
        events=accepted.events, count=accepted.count, duplicate=accepted.duplicate
    )
