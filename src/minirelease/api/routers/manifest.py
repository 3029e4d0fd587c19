"""A partner app's signed rollout manifest (issue 5, item 2): public, since it is signed
and holds no personal data, and made to be served by a CDN in front of the platform."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from minirelease.api.routers.launch import packages_path
from minirelease.errors import NotFound
from minirelease.rollout.manifest import SignedManifest

router = APIRouter(tags=["runtime"])

# Five seconds of freshness keeps a halt or a raise reaching partner apps within seconds,
# while a CDN answers the polling of every partner backend from one origin request per
# five seconds. For ten more seconds a cache may serve the old copy while it fetches the
# new one in the background, so pollers never wait on the origin; no longer, because a
# halted grayscale must stop reaching users quickly. The ETag makes each refresh a 304
# when nothing changed.
CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=10"


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: a list of tags or "*", compared weakly."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get(
    "/partner-apps/{code}/manifest",
    response_class=Response,
    responses={
        200: {
            "description": 'The envelope {"manifest", "signature", "key_id", "algorithm", '
            '"canonicalization": "jcs"} in RFC 8785 (JCS) form; the signature is Ed25519 '
            "over the JCS form of manifest.",
            "content": {"application/json": {}},
        },
        304: {"description": "Not modified: the If-None-Match tag is current."},
    },
)
def partner_app_manifest(
    code: str,
    request: Request,
    if_none_match: Annotated[str | None, Header(description="an ETag seen before")] = None,
) -> Response:
    state = request.app.state
    signed: SignedManifest | None = state.manifests.get(
        state.rollout.snapshot, code, packages_path(request.app), state.signer
    )
    if signed is None:
        raise NotFound("partner app not found")
    headers = {"ETag": signed.etag, "Cache-Control": CACHE_CONTROL}
    if if_none_match is not None and _matches(if_none_match, signed.etag):
        return Response(status_code=304, headers=headers)
    return Response(content=signed.body, media_type="application/json", headers=headers)
