"""One mini program's signed rollout manifest on a partner app (issue 15, item 3), for a
backend that serves that program alone: public and cacheable like the partner app's whole
manifest (manifest.py), whose caching headers it shares (api/manifest_answers.py). Its
ETag is weak and moves only when the program's entry does (rollout.program_manifest)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from minirelease.api.manifest_answers import Manifests, manifest_response

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
    snapshot = request.app.state.rollout.snapshot
    signed = Manifests(request.app, build=True).program(snapshot, code, app_id)
    # As the whole manifest: in the coding the client prefers, compressed once per
    # manifest, and If-None-Match compared with that coding's tag (the parameter above
    # documents the header; manifest_response reads it).
    return manifest_response(request, signed)
