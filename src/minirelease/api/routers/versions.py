"""A mini program's versions: the checked, streamed package upload and reading it back."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from minirelease.api.blob_responses import Blobs, stream_blob
from minirelease.api.coded_responses import etag_matches
from minirelease.api.deps import AppSettings, CurrentUser, DbSession, Uow
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.api.version_upload import accept_version_upload
from minirelease.errors import NotFound
from minirelease.miniprograms import versions as service
from minirelease.miniprograms.models import Version
from minirelease.schemas import Read

router = APIRouter(tags=["versions"])


class PackageRead(Read):
    sha256: str
    size: int


class SubpackageRead(Read):
    root: str
    pages: list[str]


class VersionRead(Read):
    id: str
    mini_program_id: str
    version: str
    description: str
    package: PackageRead
    entry_count: int
    uncompressed_size: int
    pages: list[str]
    subpackages: list[SubpackageRead]
    uploaded_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row: Version) -> VersionRead:
        return cls(
            id=row.id,
            mini_program_id=row.mini_program_id,
            version=row.version,
            description=row.description,
            package=PackageRead(sha256=row.package_sha256, size=row.package_size),
            entry_count=row.entry_count,
            uncompressed_size=row.uncompressed_size,
            pages=row.app_json["pages"],
            subpackages=[SubpackageRead(**sub) for sub in row.app_json["subPackages"]],
            uploaded_by=row.uploaded_by,
            created_at=row.created_at,
        )


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["version", "package"],
                "properties": {
                    "version": {
                        "type": "string",
                        "description": "Semantic version (semver.org 2.0.0), unique per "
                        "mini program.",
                    },
                    "description": {"type": "string", "maxLength": service.MAX_DESCRIPTION_LENGTH},
                    "package": {
                        "type": "string",
                        "format": "binary",
                        "description": "A zip of the project's root (app.json, app.js, pages).",
                    },
                },
            }
        }
    },
}


@router.post(
    "/mini-programs/{mini_program_id}/versions",
    status_code=201,
    response_model=VersionRead,
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload_version(
    mini_program_id: str,
    request: Request,
    principal: CurrentUser,
    uow: Uow,
    settings: AppSettings,
) -> VersionRead:
    version = await accept_version_upload(
        request, uow, principal, settings, mini_program_id=mini_program_id
    )
    return VersionRead.of(version)


@router.get("/mini-programs/{mini_program_id}/versions", response_model=PageRead[VersionRead])
def list_versions(
    mini_program_id: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[VersionRead]:
    rows = service.list_versions(session, principal, mini_program_id=mini_program_id, page=page)
    return page_read(rows, VersionRead.of)


@router.get("/mini-programs/{mini_program_id}/versions/{version}", response_model=VersionRead)
def get_version(
    mini_program_id: str, version: str, principal: CurrentUser, session: DbSession
) -> VersionRead:
    row = service.get_version(session, principal, mini_program_id=mini_program_id, version=version)
    return VersionRead.of(row)


@router.get(
    "/mini-programs/{mini_program_id}/versions/{version}/package",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, 304: {"description": "Not modified"}},
)
def download_package(
    mini_program_id: str,
    version: str,
    request: Request,
    principal: CurrentUser,
    session: DbSession,
    store: Blobs,
) -> Response:
    row = service.get_version(session, principal, mini_program_id=mini_program_id, version=version)
    etag = f'"{row.package_sha256}"'
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers={"ETag": etag})
    headers = {
        "ETag": etag,
        "Content-Disposition": f'attachment; filename="{mini_program_id}-{row.version}.zip"',
    }
    try:
        return stream_blob(store, row.package_sha256, headers)
    except FileNotFoundError:
        raise NotFound(f"the package of version {version} is missing from storage") from None
