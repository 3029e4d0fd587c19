"""A partner app's signed rollout manifest (issue 5, item 2): public, since it is signed
and holds no personal data, and made to be served by a CDN in front of the platform.
With ``?since=SERIAL``, the signed delta from that serial (rollout/manifest_delta.py), or
the full manifest when the server cannot make one; the URL names the serial, so a CDN
caches each delta as it does the manifest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from minirelease.api.manifest_answers import (
    CACHE_CONTROL,
    MAX_SERIAL,
    Manifests,
    manifest_response,
)

__all__ = ["CACHE_CONTROL", "MAX_SERIAL", "router"]

router = APIRouter(tags=["runtime"])


@router.get(
    "/partner-apps/{code}/manifest",
    response_class=Response,
    responses={
        200: {
            "description": 'The envelope {"manifest", "signature", "key_id", "algorithm", '
            '"canonicalization": "jcs"} in RFC 8785 (JCS) form; the signature is Ed25519 '
            "over the JCS form of manifest. With since: manifest is the delta "
            '{"format": 1, "kind": "delta", "partner_app", "since", "serial", "count", '
            '"changes": {app_id: entry or null}} when the server holds the changes since '
            "that serial, else the full manifest.",
            "content": {"application/json": {}},
        },
        304: {"description": "Not modified: the If-None-Match tag is current."},
    },
)
def partner_app_manifest(
    code: str,
    request: Request,
    if_none_match: Annotated[str | None, Header(description="an ETag seen before")] = None,
    since: Annotated[
        int | None,
        Query(ge=0, le=MAX_SERIAL, description="the serial of the manifest held: a delta"),
    ] = None,
) -> Response:
    # Served by the manifest lane (api/manifest_lane.py) once built; built here.
    signed = Manifests(request.app, build=True).partner(
        request.app.state.rollout.snapshot, code, since
    )
    # In the coding the client prefers, compressed once per manifest; If-None-Match is
    # compared with that coding's tag.
    return manifest_response(request, signed)
