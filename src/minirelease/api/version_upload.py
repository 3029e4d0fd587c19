"""Receiving a version upload over HTTP, the same way for the API and the console: the
caller is authorized and counted against the upload rate limits before the body is read,
the read transaction ends while the body streams in (packages/receive.py), an optional
check looks at what arrived (the console's CSRF token field) before anything is stored,
then the version is recorded and committed. The staged file is removed however it ends."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from minirelease.api import rate_limits
from minirelease.authz import Principal
from minirelease.config import Settings
from minirelease.errors import ValidationFailed
from minirelease.miniprograms import versions as service
from minirelease.miniprograms.models import Version
from minirelease.packages.receive import ReceivedUpload, receive_upload
from minirelease.packages.rules import UploadLimits
from minirelease.ratelimits import LimitName
from minirelease.storage import BlobStore
from minirelease.uow import UnitOfWork


async def accept_version_upload(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    settings: Settings,
    *,
    mini_program_id: str,
    extra_fields: tuple[str, ...] = (),
    check: Callable[[ReceivedUpload], None] | None = None,
) -> Version:
    """The new version, committed. ``extra_fields`` are text fields accepted besides the
    upload's own; ``check`` may refuse the upload (by raising) before it is recorded."""
    limits = UploadLimits(max_upload_bytes=settings.max_upload_bytes)
    await run_in_threadpool(
        service.authorize_upload, uow.session, principal, mini_program_id=mini_program_id
    )
    # Counted once the caller may upload here, before the body is read.
    await run_in_threadpool(rate_limits.count, request, LimitName.UPLOAD, principal.user_id)
    # End the read transaction before the body streams in: a slow client must not hold a
    # database connection (or SQLite's write lock) for the length of its upload.
    await run_in_threadpool(uow.session.rollback)
    try:
        upload = await receive_upload(
            request.headers,
            request.stream(),
            tmp_dir=request.app.state.scratch.path,
            max_bytes=limits.max_upload_bytes,
            extra_fields=extra_fields,
        )
    except ClientDisconnect:
        raise ValidationFailed("the client disconnected before the upload was complete") from None
    try:
        if check is not None:
            check(upload)
        return await run_in_threadpool(
            _record_upload,
            uow,
            principal,
            mini_program_id,
            upload,
            limits,
            request.app.state.blob_store,
        )
    finally:
        upload.discard()


def _record_upload(
    uow: UnitOfWork,
    principal: Principal,
    mini_program_id: str,
    upload: ReceivedUpload,
    limits: UploadLimits,
    store: BlobStore,
) -> Version:
    version = service.upload_version(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        upload=upload,
        limits=limits,
        store=store,
        on_rollback=uow.on_rollback,
    )
    uow.commit()
    return version
