"""Which signed manifest answers a poll, in one place for the two ways polls are answered:
the routes (routers/manifest.py, routers/program_manifest.py), in the thread pool, build
and sign what is missing; the manifest lane (api/manifest_lane.py), on the event loop,
answers only from what is held and otherwise leaves the poll to the routes (``NotHeld``).
Both then send it with ``coded_answer`` (api/coded_responses.py) and the same caching
headers, so the lane's answer is the route's byte for byte.

- A partner app's manifest, or with ``since`` its delta from that serial; the full
  manifest when the delta cannot be made (rollout/manifest_delta.py). The lane serves a
  ``since`` only from a held delta: whether one can be made is known only by trying.
- One mini program's manifest (rollout/program_manifest.py).

Unknown partner apps and programs are ``NotFound`` for the routes to answer."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from fastapi import Request, Response
from starlette.applications import Starlette

from minirelease.api.coded_responses import Answer, SentAnswer, coded_answer
from minirelease.api.routers.launch import packages_path
from minirelease.errors import NotFound
from minirelease.http.security_headers import Header
from minirelease.rollout.manifest import ManifestCache, SignedManifest
from minirelease.rollout.state import RolloutSnapshot

# Five seconds of freshness keeps a halt or a raise reaching partner apps within seconds,
# while a CDN answers the polling of every partner backend from one origin request per
# five seconds. For ten more seconds a cache may serve the old copy while it fetches the
# new one in the background, so pollers never wait on the origin; no longer, because a
# halted grayscale must stop reaching users quickly. The ETag makes each refresh a 304
# when nothing changed.
CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=10"
CACHING: tuple[Header, ...] = ((b"cache-control", CACHE_CONTROL.encode("ascii")),)
MAX_SERIAL = 2**53 - 1  # what every JSON reader holds exactly


class NotHeld(Exception):
    """The answer is not built yet: the route builds it."""


class Manifests:
    """An app's signed manifests: built when missing (``build``: the routes), or only the
    held ones (the lane), never building nor waiting for a build."""

    def __init__(self, app: Starlette, *, build: bool) -> None:
        self._app = app
        self._build = build

    def partner(self, snapshot: RolloutSnapshot, code: str, since: int | None) -> SignedManifest:
        """The partner app's manifest, or with ``since`` its delta when one is made."""
        state = self._app.state
        signed = None
        if since is not None:
            signed = self._read(state.manifest_deltas, snapshot, (code, since))
        if signed is None:
            signed = self._read(state.manifests, snapshot, code)
        if signed is None:
            raise NotFound("partner app not found")
        return signed

    def program(self, snapshot: RolloutSnapshot, code: str, app_id: str) -> SignedManifest:
        """One mini program's manifest on the partner app."""
        if code not in snapshot.partners:
            raise NotFound("partner app not found")
        signed = self._read(self._app.state.program_manifests, snapshot, (code, app_id))
        if signed is None:
            raise NotFound("mini program not listed on this partner app")
        return signed

    def _read(
        self, cache: ManifestCache[Any], snapshot: RolloutSnapshot, key: Hashable
    ) -> SignedManifest | None:
        signer = self._app.state.signer
        if self._build:
            return cache.get(snapshot, key, packages_path(self._app), signer)
        held = cache.held(snapshot, key, signer.key_id)
        if held is None:
            raise NotHeld
        return held


def manifest_answer(
    app: Starlette, request_headers: list[Header], signed: SignedManifest, *, made_only: bool
) -> Answer | None:
    """The 200 or 304 of a manifest poll, in the coding the client prefers, with the
    manifests' caching headers; ``made_only``: None when that coding is not made yet."""
    min_bytes: int = app.state.settings.compress_min_bytes
    return coded_answer(
        request_headers, signed.coded, signed.etag, CACHING, min_bytes, made_only=made_only
    )


def manifest_response(request: Request, signed: SignedManifest) -> Response:
    """``manifest_answer`` for a route, which makes the coding when it is missing."""
    answer = manifest_answer(request.app, request.headers.raw, signed, made_only=False)
    assert answer is not None
    return SentAnswer(answer)
