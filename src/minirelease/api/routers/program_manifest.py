"""One mini program's signed rollout manifest on a partner app (issue 15, item 3), for a
backend that serves that program alone: public and cacheable like the partner app's whole
manifest (manifest.py), whose caching headers it shares. Its ETag is weak and moves only
when the program's entry does (rollout.program_manifest)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from minirelease.api.coded_responses import coded_response
from minirelease.api.routers.launch import packages_path
from minirelease.api.routers.manifest import CACHE_CONTROL
from minirelease.errors import NotFound
from minirelease.rollout.manifest import SignedManifest

router = APIRouter(tags=["runtime"])


@router.get(
    "/partner-apps/{code}/mini-programs/{app_id}/manifest",
    response_class=Response,
    responses={
        200: {
            "description": "The partner app's manifest restricted to this mini program, "
            'named by its field "mini_program", in the envelope of the whole manifest; its '
            "serial moves only when this program's entry does.",
            "content": {"application/json": {}},
        },
        304: {"description": "Not modified: the program's entry is as the tag says."},
    },
)
def program_manifest(
    code: str,
    app_id: str,
    request: Request,
    if_none_match: Annotated[str | None, Header(description="an ETag seen before")] = None,
) -> Response:
    state = request.app.state
    snapshot = state.rollout.snapshot
    if code not in snapshot.partners:
        raise NotFound("partner app not found")
    signed: SignedManifest | None = state.program_manifests.get(
        snapshot, (code, app_id), packages_path(request.app), state.signer
    )
    if signed is None:
        raise NotFound("mini program not listed on this partner app")
    # As the whole manifest: in the coding the client prefers, compressed once per
    # manifest, and If-None-Match compared with that coding's tag (the parameter above
    # documents the header; coded_response reads it).
    return coded_response(request, signed.coded, signed.etag, {"Cache-Control": CACHE_CONTROL})
