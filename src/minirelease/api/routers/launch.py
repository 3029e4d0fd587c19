"""The runtime side: which package a user gets (design §6), the built packages
themselves, and the platform's public signing key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from minirelease.api.deps import AppSettings, DbSession
from minirelease.errors import NotFound, NotReleased
from minirelease.packages.storage import BlobStore
from minirelease.releases.models import Release
from minirelease.rollout.resolve import resolve
from minirelease.rollout.snapshot import pair_rollout

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


@router.get("/launch/{partner_app}/{app_id}")
def launch(
    partner_app: str,
    app_id: str,
    session: DbSession,
    request: Request,
    # Bounded, but above every user id of the shared bucketing vectors (up to 300 chars).
    user_id: Annotated[str | None, Query(max_length=1024)] = None,
) -> LaunchRead:
    rollout = pair_rollout(session, partner_app, app_id)
    if rollout is None:
        raise NotReleased("this mini program is not released on this partner app")
    decision = resolve(rollout, user_id)
    pkg = decision.package
    return LaunchRead(
        app_id=app_id,
        partner_app=partner_app,
        version=pkg.version,
        channel=decision.channel.value,
        release_id=pkg.release_id,
        package=PackageRef(
            url=str(request.url_for("download_package", sha256=pkg.sha256)),
            sha256=pkg.sha256,
            size=pkg.size,
            signature=pkg.signature,
        ),
    )


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
