"""Launch outcomes from partner apps' backends (issue 5), authenticated by a partner app
key (``Authorization: Bearer mrk_…``), not by a user's token.

The key is checked before the body is read: FastAPI reads and parses a JSON body before
it resolves any dependency, so a caller without a valid key would be told about its JSON
(422) and have its body read. The route's handler checks the key first (401 with nothing
read); only then is the body read, bounded by the route's body rule (api/body_limits.py),
parsed and validated, as for any route."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from minirelease.api.deps import Uow, partner_key
from minirelease.db import utcnow
from minirelease.partners.models import PartnerApp
from minirelease.telemetry import keys, service
from minirelease.telemetry.schemas import TelemetryAccepted, TelemetryBatchCreate
from minirelease.uow import UnitOfWork


def _sent_key(request: Request) -> str | None:
    """The bearer credentials, read as the ``partnerKey`` scheme (deps.py) reads them."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
    return credentials if scheme.lower() == "bearer" and credentials else None


def _partner_of_key(request: Request, key: str | None) -> PartnerApp:
    """The sending partner app, in a read-only unit of work of its own (its connection is
    handed back before the body is waited for); detached, with its columns loaded."""
    with UnitOfWork(request.app.state.session_factory, read_only=True) as uow:
        partner = keys.authenticate(uow.session, key)
        uow.session.expunge(partner)
        return partner


class KeyBeforeBody(APIRoute):
    """A route whose partner key is checked before FastAPI's handler reads the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        read_body_and_run = super().get_route_handler()

        async def handler(request: Request) -> Response:
            partner = await run_in_threadpool(_partner_of_key, request, _sent_key(request))
            request.state.partner = partner
            return await read_body_and_run(request)

        return handler


router = APIRouter(tags=["runtime"], route_class=KeyBeforeBody)


def sending_partner(request: Request) -> PartnerApp:
    """The partner app the route's handler authenticated."""
    partner: PartnerApp = request.state.partner
    return partner


KeyedPartner = Annotated[PartnerApp, Depends(sending_partner)]


# The partnerKey dependency documents the key (the OpenAPI security requirement).
@router.post("/telemetry", status_code=202, dependencies=[Depends(partner_key)])
def post_telemetry(
    body: TelemetryBatchCreate, partner: KeyedPartner, uow: Uow
) -> TelemetryAccepted:
    accepted = service.record(
        uow.session,
        partner,
        [event.to_event() for event in body.events],
        now=utcnow(),
        batch_id=body.batch_id,
        said_partner_app=body.partner_app,
    )
    uow.commit()
    return TelemetryAccepted(
        events=accepted.events, count=accepted.count, duplicate=accepted.duplicate
    )
