"""Use cases for a mini program's versions. An upload is checked in a fixed order, each step
with its own error (like PyPI's upload): permission, size (while receiving), metadata, name
uniqueness, package rules; only then is the blob stored and the version recorded, with its
audit event, in the caller's transaction. A failure at any step stores nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Permission, Principal
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound
from minirelease.ids import new_id
from minirelease.miniprograms.lookup import load_mini_program
from minirelease.miniprograms.models import Version
from minirelease.packages.receive import ReceivedUpload, invalid_field
from minirelease.packages.rules import UploadLimits
from minirelease.packages.zipcheck import inspect_package
from minirelease.pagination import Page, PageRequest, descending, paginate
from minirelease.storage import BlobStore

# Semantic Versioning 2.0.0, the regular expression semver.org recommends (ASCII digits).
SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
MAX_VERSION_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 200


def authorize_upload(session: Session, principal: Principal, *, mini_program_id: str) -> None:
    """Step 1, before the body is read: 404 for who cannot see the mini program, 403 for who
    may not upload to it."""
    load_mini_program(session, principal, mini_program_id, Permission.VERSION_UPLOAD)


def validate_version(value: str | None) -> str:
    if value is None or not value.strip():
        raise invalid_field("version", "required: a semantic version such as 1.0.0")
    value = value.strip()
    if len(value) > MAX_VERSION_LENGTH:
        raise invalid_field("version", f"at most {MAX_VERSION_LENGTH} characters")
    if not SEMVER.fullmatch(value):
        raise invalid_field("version", f"{value!r} is not a semantic version (semver.org 2.0.0)")
    return value


def validate_description(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise invalid_field("description", f"at most {MAX_DESCRIPTION_LENGTH} characters")
    return value


def upload_version(
    session: Session,
    principal: Principal,
    *,
    mini_program_id: str,
    upload: ReceivedUpload,
    limits: UploadLimits,
    store: BlobStore,
    on_rollback: Callable[[Callable[[], None]], None],
) -> Version:
    """Check ``upload`` and record it as a new version. ``on_rollback`` (the unit of work's)
    is how a blob this upload created is removed again if the transaction does not commit;
    a blob that already existed (an identical zip of another version) is never touched."""
    mp, _ = load_mini_program(session, principal, mini_program_id, Permission.VERSION_UPLOAD)
    version = validate_version(upload.fields.get("version"))
    description = validate_description(upload.fields.get("description"))
    if _find(session, mp.id, version) is not None:
        raise Conflict(f"version {version} of this mini program already exists", version=version)
    info = inspect_package(upload.path, limits)
    if store.put(upload.path, upload.sha256):
        sha256 = upload.sha256
        on_rollback(lambda: store.delete(sha256))
    row = Version(
        id=new_id("ver"),
        mini_program_id=mp.id,
        version=version,
        description=description,
        package_sha256=upload.sha256,
        package_size=upload.size,
        entry_count=info.entry_count,
        uncompressed_size=info.uncompressed_size,
        app_json=info.manifest.summary(),
        uploaded_by=principal.user_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()  # the unique constraint settles a race between identical versions here
    audit.record(
        session,
        actor=principal.user_id,
        action="version.upload",
        target_type="version",
        target_id=row.id,
        workspace_id=mp.workspace_id,
        mini_program_id=mp.id,
        after={
            "version": version,
            "description": description,
            "package_sha256": row.package_sha256,
            "package_size": row.package_size,
            "entry_count": row.entry_count,
            "uncompressed_size": row.uncompressed_size,
        },
    )
    return row


def _find(session: Session, mini_program_id: str, version: str) -> Version | None:
    return session.scalar(
        select(Version).where(
            Version.mini_program_id == mini_program_id, Version.version == version
        )
    )


def list_versions(
    session: Session, principal: Principal, *, mini_program_id: str, page: PageRequest | None = None
) -> Page[Version]:
    """The mini program's versions, newest first."""
    mp, _ = load_mini_program(session, principal, mini_program_id, Permission.VERSION_READ)
    query = select(Version).where(Version.mini_program_id == mp.id)
    order = [descending(Version.created_at), descending(Version.id)]
    return paginate(session, query, order, page)


def get_version(
    session: Session, principal: Principal, *, mini_program_id: str, version: str
) -> Version:
    mp, _ = load_mini_program(session, principal, mini_program_id, Permission.VERSION_READ)
    row = _find(session, mp.id, version)
    if row is None:
        raise NotFound(f"version {version} of this mini program not found")
    return row
