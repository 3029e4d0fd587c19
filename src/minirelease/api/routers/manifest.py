"""A partner app's signed rollout manifest (issue 5, item 2): public, since it is signed
and holds no personal data, and made to be served by a CDN in front of the platform.
With ``?since=SERIAL``, the signed delta from that serial (rollout/manifest_delta.py), or
the full manifest when the server cannot make one; the URL names the serial, so a CDN
caches each delta as it does the manifest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from minirelease.api.coded_responses import coded_response
from minirelease.api.routers.launch import packages_path
from minirelease.errors import NotFound
from minirelease.rollout.manifest import SignedManifest
from minirelease.rollout.manifest_delta import DeltaKey

router = APIRouter(tags=["runtime"])

# Five seconds of freshness keeps a halt or a raise reaching partner apps within seconds,
# while a CDN answers the polling of every partner backend from one origin request per
# five seconds. For ten more seconds a cache may serve the old copy while it fetches the
# new one in the background, so pollers never wait on the origin; no longer, because a
# halted grayscale must stop reaching users quickly. The ETag makes each refresh a 304
# when nothing changed.
CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=10"
MAX_SERIAL = 2**53 - 1  # what every JSON reader holds exactly


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
    state = request.app.state
    snapshot, path = state.rollout.snapshot, packages_path(request.app)
    signed: SignedManifest | None = None
    if since is not None:
        key: DeltaKey = (code, since)
        signed = state.manifest_deltas.get(snapshot, key, path, state.signer)
    if signed is None:
        signed = state.manifests.get(snapshot, code, path, state.signer)
    if signed is None:
        raise NotFound("partner app not found")
    # In the coding the client prefers, compressed once per manifest; If-None-Match is
    # compared with that coding's tag.
    return coded_response(request, signed.coded, signed.etag, {"Cache-Control": CACHE_CONTROL})
