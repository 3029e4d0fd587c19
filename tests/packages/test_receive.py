"""Streaming receive of a multipart upload: hashed on the way to a temp file, cut off at the
limit, strict about its fields, and never leaving a temp file behind when it fails."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import TypeVar

import pytest

from minirelease.errors import DomainError, PackageInvalid, ValidationFailed
from minirelease.packages.receive import (
    FRAMING_ALLOWANCE,
    SLICE,
    ReceivedUpload,
    receive_file,
    receive_upload,
)

BOUNDARY = "----minireleaseBoundary7MA4YWxkTrZu0gW"
LIMIT = 256 * 1024
Part = tuple[str, bytes, str | None]  # name, content, filename
E = TypeVar("E", bound=DomainError)


def multipart(parts: list[Part], *, close: bool = True) -> bytes:
    body = bytearray()
    for name, content, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: application/zip\r\n"
        body += b"\r\n" + content + b"\r\n"
    if close:
        body += f"--{BOUNDARY}--\r\n".encode()
    return bytes(body)


def headers(body: bytes | None = None) -> dict[str, str]:
    result = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    if body is not None:
        result["content-length"] = str(len(body))
    return result


async def chunks(data: bytes, size: int = 1000) -> AsyncGenerator[bytes, None]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def receive(
    body: AsyncGenerator[bytes, None], head: dict[str, str], tmp_dir: Path, limit: int = LIMIT
) -> ReceivedUpload:
    return asyncio.run(receive_upload(head, body, tmp_dir=tmp_dir, max_bytes=limit))


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    path = tmp_path / "tmp"
    path.mkdir()
    return path


def _refused(exc_type: type[E], body: bytes, tmp_dir: Path, **kw: int) -> E:
    with pytest.raises(exc_type) as raised:
        receive(chunks(body, **kw), headers(body), tmp_dir)
    assert not any(tmp_dir.iterdir()), "a refused upload left a temp file"
    return raised.value


PACKAGE = bytes(range(256)) * 300  # 76,800 bytes, boundary-like bytes included


@pytest.mark.parametrize("chunk", [1, 7, 1000, 10**6])
def test_fields_and_package_are_received_and_hashed(tmp_dir: Path, chunk: int) -> None:
    parts: list[Part] = [
        ("version", b"1.2.3", None),
        ("description", "première".encode(), None),
        ("package", PACKAGE, "app.zip"),
    ]
    body = multipart(parts)
    upload = receive(chunks(body, chunk), headers(body), tmp_dir)
    assert upload.fields == {"version": "1.2.3", "description": "première"}
    assert upload.path.parent == tmp_dir
    assert upload.path.read_bytes() == PACKAGE
    assert (upload.sha256, upload.size) == (hashlib.sha256(PACKAGE).hexdigest(), len(PACKAGE))
    assert upload.filename == "app.zip"
    upload.discard()
    assert not upload.path.exists()


def test_package_of_exactly_the_limit_is_accepted(tmp_dir: Path) -> None:
    body = multipart([("package", b"z" * LIMIT, "a.zip")])
    assert receive(chunks(body, 4096), headers(body), tmp_dir).size == LIMIT


def test_one_byte_over_the_limit_is_refused(tmp_dir: Path) -> None:
    error = _refused(PackageInvalid, multipart([("package", b"z" * (LIMIT + 1), "a.zip")]), tmp_dir)
    assert error.rule == "upload-too-large"


def test_endless_body_is_cut_off_at_the_limit(tmp_dir: Path) -> None:
    sent = 0
    closed = False

    async def endless() -> AsyncGenerator[bytes, None]:
        nonlocal sent, closed
        yield multipart([("version", b"1.0.0", None)], close=False)
        yield f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=package\r\n\r\n".encode()
        try:
            while True:
                sent += 8192
                yield b"\0" * 8192
        finally:
            closed = True

    with pytest.raises(PackageInvalid) as refused:
        receive(endless(), headers(), tmp_dir)  # no Content-Length: chunked
    assert refused.value.rule == "upload-too-large"
    assert LIMIT < sent <= LIMIT + SLICE
    assert closed, "the request stream was not closed"
    assert not any(tmp_dir.iterdir())


def test_content_length_over_the_limit_is_refused_before_reading(tmp_dir: Path) -> None:
    async def unread() -> AsyncGenerator[bytes, None]:
        raise AssertionError("the body must not be read")
        yield b""  # pragma: no cover

    head = headers() | {"content-length": str(LIMIT + FRAMING_ALLOWANCE + 1)}
    with pytest.raises(PackageInvalid) as refused:
        receive(unread(), head, tmp_dir)
    assert refused.value.rule == "upload-too-large"
    assert not any(tmp_dir.iterdir())


def test_body_over_the_limit_with_framing_is_refused(tmp_dir: Path) -> None:
    body = multipart([("package", b"z" * 10, "a.zip")]) + b"x" * (LIMIT + FRAMING_ALLOWANCE)
    with pytest.raises(PackageInvalid):
        receive(chunks(body, 65536), headers(), tmp_dir)
    assert not any(tmp_dir.iterdir())


def test_missing_package_part_names_the_field(tmp_dir: Path) -> None:
    error = _refused(ValidationFailed, multipart([("version", b"1.0.0", None)]), tmp_dir)
    assert error.detail.startswith("package: ")
    assert error.extra["errors"] == [{"loc": ["body", "package"], "msg": "a zip file is required"}]


@pytest.mark.parametrize(
    ("parts", "field", "message"),
    [
        ([("package", PACKAGE, "a.zip"), ("channel", b"beta", None)], "channel", "unknown field"),
        ([("version", b"1.0.0", None), ("version", b"2.0.0", None)], "version", "more than once"),
        (
            [("package", PACKAGE, "a.zip"), ("package", PACKAGE, "b.zip")],
            "package",
            "more than once",
        ),
        (
            [("package", PACKAGE, "a.zip"), ("description", b"d" * 5000, None)],
            "description",
            "longer",
        ),
        ([("package", PACKAGE, "a.zip"), ("version", b"\xff\xfe", None)], "version", "UTF-8"),
    ],
)
def test_unexpected_fields_are_refused_by_name(
    tmp_dir: Path, parts: list[Part], field: str, message: str
) -> None:
    error = _refused(ValidationFailed, multipart(parts), tmp_dir)
    assert error.detail.startswith(f"{field}: ")
    assert message in error.detail


def test_truncated_body_is_refused(tmp_dir: Path) -> None:
    body = multipart([("package", PACKAGE, "a.zip")], close=False)[:-100]
    error = _refused(ValidationFailed, body, tmp_dir)
    assert "closing boundary" in error.detail


def test_malformed_multipart_is_refused(tmp_dir: Path) -> None:
    body = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=package\r\n".encode()
    body += b"X-Long: " + b"h" * 10_000 + b"\r\n\r\n" + PACKAGE
    error = _refused(ValidationFailed, body, tmp_dir)
    assert "malformed" in error.detail


def test_part_without_a_name_is_refused(tmp_dir: Path) -> None:
    body = f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
    _refused(ValidationFailed, body.encode(), tmp_dir)


@pytest.mark.parametrize(
    "content_type", ["application/zip", "application/json", "multipart/form-data", ""]
)
def test_body_must_be_multipart_with_a_boundary(tmp_dir: Path, content_type: str) -> None:
    body = multipart([("package", PACKAGE, "a.zip")])
    with pytest.raises(ValidationFailed) as refused:
        receive(chunks(body), {"content-type": content_type}, tmp_dir)
    assert "multipart/form-data" in refused.value.detail


def test_content_length_must_be_a_number(tmp_dir: Path) -> None:
    body = multipart([("package", PACKAGE, "a.zip")])
    with pytest.raises(ValidationFailed):
        receive(chunks(body), headers() | {"content-length": "lots"}, tmp_dir)


def test_local_file_is_staged_like_an_upload(tmp_path: Path, tmp_dir: Path) -> None:
    source = tmp_path / "app.zip"
    source.write_bytes(PACKAGE)
    upload = receive_file(source, tmp_dir=tmp_dir, max_bytes=LIMIT, fields={"version": "1.0.0"})
    assert upload.sha256 == hashlib.sha256(PACKAGE).hexdigest()
    assert upload.path != source and upload.path.read_bytes() == PACKAGE
    with pytest.raises(PackageInvalid):
        receive_file(source, tmp_dir=tmp_dir, max_bytes=1000, fields={})
    assert list(tmp_dir.iterdir()) == [upload.path]
