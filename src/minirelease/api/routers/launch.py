"""The runtime side: which package a user gets (design §6), the built packages
themselves, and the platform's public signing key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select
from starlette.applications import Starlette

from minirelease.api.deps import AppSettings, DbSession
from minirelease.errors import NotFound, NotReleased
from minirelease.packages.storage import BlobStore
from minirelease.releases.models import Release
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


@router.get("/launch/{partner_app}/{app_id}", response_model=LaunchRead)
async def launch(
    partner_app: str,
    app_id: str,
    request: Request,
    # Bounded, but above every user id of the shared bucketing vectors (up to 300 chars).
    user_id: Annotated[str | None, Query(max_length=1024)] = None,
) -> JSONResponse:
    """Answered from the process's rollout snapshot: no database, no thread hop, and the
    JSON written directly (LaunchRead documents it; nothing validates it per request)."""
    rollout = request.app.state.rollout.snapshot.pair(partner_app, app_id)
    if rollout is None:
        raise NotReleased("this mini program is not released on this partner app")
    decision = resolve(rollout, user_id)
    pkg = decision.package
    base_url = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "app_id": app_id,
            "partner_app": partner_app,
            "version": pkg.version,
            "channel": decision.channel.value,
            "release_id": pkg.release_id,
            "package": {
                "url": f"{base_url}{packages_path(request.app)}{pkg.sha256}",
                "sha256": pkg.sha256,
                "size": pkg.size,
                "signature": pkg.signature,
            },
        }
    )


def packages_path(app: Starlette) -> str:
    """The path built packages are downloaded under, ending in '/'. Looked up once per
    app: a route lookup costs more than the rest of a launch."""
    path: str | None = getattr(app.state, "packages_path", None)
    if path is None:
        path = app.url_path_for("download_package", sha256="-").removesuffix("-")
        app.state.packages_path = path
    return path


@router.get("/packages/{sha256}", name="download_package")
def download_package(sha256: str, settings: AppSettings, session: DbSession) -> StreamingResponse:
    """A built package, by its digest. Content-addressed, so cacheable forever. Only
    built packages are served: uploaded sources stay private to their workspace."""
    built = session.scalar(select(Release.id).where(Release.build_sha256 == sha256).limit(1))
    store = BlobStore(settings.blob_dir)
    if built is None or not store.exists(sha256):
        raise NotFound("package not found")

    def chunks() -> Iterator[bytes]:
        with store.open(sha256) as f:
            while block := f.read(256 * 1024):
                yield block

    return StreamingResponse(
        chunks(),
        media_type="application/zip",
        headers={
            "ETag": f'"{sha256}"',
            "Cache-Control": "public, max-age=31536000, immutable",
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
