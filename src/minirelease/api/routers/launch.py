"""The runtime side: which package a user gets (design §6), the built packages
themselves, and the platform's public signing key."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from starlette.applications import Starlette

from minirelease.accounts import service as accounts
from minirelease.api.deps import OPTIONAL_AUTH, AppSettings, DbSession, UserToken
from minirelease.errors import NotFound, NotReleased, ValidationFailed
from minirelease.packages.storage import BlobStore
from minirelease.releases.access import build_is_public, build_is_visible, releases_of_build
from minirelease.rollout.resolve import resolve

router = APIRouter(tags=["runtime"])


class PackageRef(BaseModel):
    url: str
    sha256: str
    size: int
    signature: str


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
    parsing and validation cost as much as the rest of a launch)."""
    partner_app: str = request.path_params["partner_app"]
    app_id: str = request.path_params["app_id"]
    user_id = _user_id(request)
    if user_id is not None and len(user_id) > USER_ID_MAX_CHARS:
        raise ValidationFailed(f"user_id is longer than {USER_ID_MAX_CHARS} characters")
    state = request.app.state
    snapshot = state.rollout.snapshot
    rollout = snapshot.pair(partner_app, app_id)
    if rollout is None:
        raise NotReleased("this mini program is not released on this partner app")
    decision = resolve(rollout, user_id)
    body = state.launch_bodies.body(
        snapshot,
        partner_app=partner_app,
        app_id=app_id,
        decision=decision,
        base_url=_base_url(request),
        packages_path=packages_path(request.app),
    )
    return Response(body, media_type="application/json")


def _user_id(request: Request) -> str | None:
    """``user_id`` of the query string. The common ``?user_id=<plain id>`` is read as it is;
    anything else (escapes, several parameters) goes through the full parser."""
    raw: bytes = request.scope["query_string"]
    if raw.startswith(b"user_id=") and not any(c in raw for c in b"&%+;#"):
        return raw[8:].decode("latin-1")
    return request.query_params.get("user_id")


def _base_url(request: Request) -> str:
    """The request's base URL without its trailing '/', computed once per Host header
    (bounded: a client chooses its Host header)."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), b"")
    key = (scope["scheme"], host, scope.get("root_path", ""))
    known: dict[tuple[str, bytes, str], str] = request.app.state.base_urls
    base = known.get(key)
    if base is None:
        if len(known) >= _BASE_URLS_KEPT:
            known.clear()
        base = known[key] = str(request.base_url).rstrip("/")
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
def download_package(
    sha256: str, token: UserToken, settings: AppSettings, session: DbSession
) -> StreamingResponse:
    """A built package, by its digest. Once a release of it was served (pilot or later),
    anyone may download it and caches may keep it forever (it is content-addressed);
    before, only who can see one of its releases, and no shared cache may keep it.
    Uploaded sources are never served: they stay private to their workspace."""
    releases = releases_of_build(session, sha256)
    store = BlobStore(settings.blob_dir)
    if not releases or not store.exists(sha256):
        raise NotFound("package not found")
    if build_is_public(releases):
        cache_control = "public, max-age=31536000, immutable"
    else:
        principal = accounts.authenticate(session, token) if token else None
        if principal is None or not build_is_visible(session, principal, releases):
            raise NotFound("package not found")
        cache_control = "private, no-store"

    def chunks() -> Iterator[bytes]:
        with store.open(sha256) as f:
            while block := f.read(256 * 1024):
                yield block

    return StreamingResponse(
        chunks(),
        media_type="application/zip",
        headers={
            "ETag": f'"{sha256}"',
            "Cache-Control": cache_control,
            "Content-Disposition": f'attachment; filename="{sha256[:12]}.zip"',
        },
    )


class SigningKeyRead(BaseModel):
    algorithm: str
    key_id: str
    public_key: str
    public_key_pem: str


@router.get("/signing-key")
def signing_key(request: Request) -> SigningKeyRead:
    signer = request.app.state.signer
    return SigningKeyRead(
        algorithm="Ed25519",
        key_id=signer.key_id,
        public_key=signer.public_key_raw_b64(),
        public_key_pem=signer.public_key_pem(),
    )
