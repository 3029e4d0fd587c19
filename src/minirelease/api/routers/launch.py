"""The runtime side: which package a user gets (design §6), the built packages
themselves, and the platform's public signing key."""

from __future__ import annotations

from time import perf_counter

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.types import Scope

from minirelease.accounts import service as accounts
from minirelease.api.blob_responses import Blobs, redirect_to, stream_blob
from minirelease.api.deps import OPTIONAL_AUTH, DbSession, UserToken
from minirelease.errors import DomainError, NotFound, NotReleased, ValidationFailed
from minirelease.observability.launches import NO_CHANNEL, SERVED
from minirelease.releases.access import build_is_public, build_is_visible, releases_of_build
from minirelease.rollout.resolve import resolve
from minirelease.rollout.state import RolloutSnapshot
from minirelease.signing_keys import service as signing_keys
from minirelease.signing_keys.schemas import SigningKeyRead, signing_key_read

router = APIRouter(tags=["runtime"])


class PackageRef(BaseModel):
    url: str
    sha256: str
    size: int
    signature: str
    key_id: str | None  # the platform key that signed its manifest.json (GET /signing-key)


class LaunchRead(BaseModel):
    app_id: str
    partner_app: str
    version: str
    channel: str
    release_id: str
    package: PackageRef


# Bounded, but above every user id of the shared bucketing vectors (up to 300 chars).
USER_ID_MAX_CHARS = 1024
_LAUNCH_PARAMETERS = [
    {"name": "partner_app", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "app_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {
        "name": "user_id",
        "in": "query",
        "required": False,
        "description": "the partner app's user; without it, the online version",
        "schema": {"type": "string", "maxLength": USER_ID_MAX_CHARS},
    },
]


def install_launch_route(app: FastAPI, prefix: str) -> None:
    """The launch route, on the app itself and before every other route: FastAPI matches
    routes in order and walks nested routers on every match, which cost a launch about
    as much as answering it."""
    app.add_api_route(
        f"{prefix}/launch/{{partner_app}}/{{app_id}}",
        launch,
        methods=["GET"],
        response_model=LaunchRead,
        tags=["runtime"],
        openapi_extra={"parameters": _LAUNCH_PARAMETERS},
    )


async def launch(request: Request) -> Response:
    """Answered from the process's rollout snapshot: no database, no thread hop, the
    parameters read straight from the request and the answer's bytes encoded once per
    snapshot (LaunchRead and the parameters above document it; FastAPI's per-request
    parsing and validation cost as much as the rest of a launch). Counted and timed by
    partner app, channel and outcome (observability/launches.py). A launch that will be
    served is answered before it gets here (api/launch_fast_path.py, http/wire.py); this
    route answers the rest, refusals included, through the whole stack."""
    started = perf_counter()
    state = request.app.state
    snapshot = state.rollout.snapshot
    partner_app: str = request.path_params["partner_app"]
    app_id: str = request.path_params["app_id"]
    try:
        body, channel = answer(request.app, snapshot, request.scope, partner_app, app_id)
    except DomainError as refused:
        state.launch_metrics.record(snapshot, partner_app, NO_CHANNEL, refused.code, started)
        raise
    state.launch_metrics.record(snapshot, partner_app, channel, SERVED, started)
    return Response(body, media_type="application/json")


def answer(
    app: Starlette, snapshot: RolloutSnapshot, scope: Scope, partner_app: str, app_id: str
) -> tuple[bytes, str]:
    """The launch answer's bytes and its channel; raises the refusals."""
    user_id = user_id_of(scope["query_string"])
    if user_id is not None and len(user_id) > USER_ID_MAX_CHARS:
        raise ValidationFailed(f"user_id is longer than {USER_ID_MAX_CHARS} characters")
    rollout = snapshot.pair(partner_app, app_id)
    if rollout is None:
        raise NotReleased("this mini program is not released on this partner app")
    decision = resolve(rollout, user_id)
    body = app.state.launch_bodies.body(
        partner_app=partner_app,
        app_id=app_id,
        decision=decision,
        base_url=base_url_of(app, scope),
        packages_path=packages_path(app),
    )
    return body, decision.channel.value


def user_id_of(raw: bytes) -> str | None:
    """``user_id`` of the query string. The common ``?user_id=<plain id>`` is read as it is;
    anything else (escapes, several parameters) goes through the full parser."""
    if raw.startswith(b"user_id=") and not any(c in raw for c in b"&%+;#"):
        return raw[8:].decode("latin-1")
    return QueryParams(raw).get("user_id")


def base_url_of(app: Starlette, scope: Scope) -> str:
    """The request's base URL without its trailing '/', computed once per Host header
    (bounded: a client chooses its Host header)."""
    host = next((value for name, value in scope["headers"] if name == b"host"), b"")
    key = (scope["scheme"], host, scope.get("root_path", ""))
    known: dict[tuple[str, bytes, str], str] = app.state.base_urls
    base = known.get(key)
    if base is None:
        if len(known) >= _BASE_URLS_KEPT:
            known.clear()
        base = known[key] = str(Request(scope).base_url).rstrip("/")
    return base


_BASE_URLS_KEPT = 1_000


def packages_path(app: Starlette) -> str:
    """The path built packages are downloaded under, ending in '/'. Looked up once per
    app: a route lookup costs more than the rest of a launch."""
    path: str | None = getattr(app.state, "packages_path", None)
    if path is None:
        path = app.url_path_for("download_package", sha256="-").removesuffix("-")
        app.state.packages_path = path
    return path


@router.get("/packages/{sha256}", name="download_package", openapi_extra=OPTIONAL_AUTH)
def download_package(sha256: str, token: UserToken, session: DbSession, store: Blobs) -> Response:
    """A built package, by its digest. Once a release of it was served (pilot or later),
    anyone may download it and caches may keep it forever (it is content-addressed), or
    is sent to the public base URL (MINIRELEASE_PACKAGE_BASE_URL) when there is one;
    before, only who can see one of its releases, and no shared cache may keep it.
    Uploaded sources are never served: they stay private to their workspace."""
    releases = releases_of_build(session, sha256)
    if not releases:
        raise NotFound("package not found")
    if build_is_public(releases):
        try:
            public_url = store.publish(sha256)  # copied to the public key space once
        except FileNotFoundError:
            raise NotFound("package not found") from None
        if public_url is not None:
            return redirect_to(public_url, sha256)
        cache_control = "public, max-age=31536000, immutable"
    else:
        principal = accounts.authenticate(session, token) if token else None
        if principal is None or not build_is_visible(session, principal, releases):
            raise NotFound("package not found")
        cache_control = "private, no-store"
    headers = {
        "ETag": f'"{sha256}"',
        "Cache-Control": cache_control,
        "Content-Disposition": f'attachment; filename="{sha256[:12]}.zip"',
    }
    try:
        return stream_blob(store, sha256, headers)
    except FileNotFoundError:
        raise NotFound("package not found") from None


@router.get("/signing-key")
def signing_key(request: Request, session: DbSession) -> SigningKeyRead:
    """The key this server signs with and every published key (active and previous)."""
    return signing_key_read(request.app.state.signer, signing_keys.published_keys(session))
