"""Receiving an upload: the multipart/form-data body is parsed as it streams in, the
``package`` part goes straight to a temp file (its sha256 computed on the way) and is cut
off the moment it passes the size limit, and the small text fields are collected under
their own caps. Nothing is ever spooled without a limit, and a failed receive leaves no
temp file behind."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import anyio.to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from minirelease.errors import PackageInvalid, ValidationFailed
from minirelease.packages.rules import UPLOAD_TOO_LARGE, refuse

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

PACKAGE_FIELD = "package"
# Byte caps on the text fields; the service applies the real rules (semver, 200 chars).
TEXT_FIELD_CAPS = {"version": 256, "description": 4096}
EXPECTED_FIELDS = ("version", "description", PACKAGE_FIELD)
# The cap on a text field a caller adds to the expected ones (a form's CSRF token).
EXTRA_FIELD_CAP = 256
# Room for the text fields, part headers and boundaries on top of the package itself.
FRAMING_ALLOWANCE = 64 * 1024
# Bodies are fed to the parser in slices this size, so a huge chunk from the server still
# hits the size limit at the right byte.
SLICE = 64 * 1024


@dataclass(frozen=True)
class ReceivedUpload:
    fields: dict[str, str]
    path: Path
    sha256: str
    size: int
    filename: str | None = None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def invalid_field(field: str, message: str) -> ValidationFailed:
    """A validation error naming the form field, shaped like the API's other ones."""
    return ValidationFailed(
        f"{field}: {message}", errors=[{"loc": ["body", field], "msg": message}]
    )


def too_large(limit: int) -> PackageInvalid:
    return refuse(UPLOAD_TOO_LARGE, f"the upload exceeds the limit of {limit} bytes")


class _StagedFile:
    """A temp file under ``tmp_dir`` that hashes what it is given and refuses to grow past
    ``limit`` bytes."""

    def __init__(self, tmp_dir: Path, limit: int) -> None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=".zip")
        self.path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._limit = limit
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self._limit:
            raise too_large(self._limit)
        self._hash.update(data)
        # At most one slice: it lands in the page cache faster than a thread hop would take.
        self._file.write(data)

    def finish(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())  # durable before a transaction records its digest
        self._file.close()
        return self._hash.hexdigest()

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class _FormCollector:
    """python-multipart callbacks: route each part to a text buffer or the staged file."""

    def __init__(self, tmp_dir: Path, limit: int, extra_fields: tuple[str, ...] = ()) -> None:
        self._tmp_dir = tmp_dir
        self._limit = limit
        self._expected = EXPECTED_FIELDS + extra_fields
        self.texts: dict[str, bytearray] = {}
        self.package: _StagedFile | None = None
        self.filename: str | None = None
        self.complete = False
        self._current: bytearray | _StagedFile | None = None
        self._current_name = ""
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._current = None
        self._disposition = b""

    def _header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise ValidationFailed("a multipart part has no Content-Disposition name")
        name = options[b"name"].decode("utf-8", errors="replace")
        if name not in self._expected:
            raise invalid_field(name, f"unknown field; expected {', '.join(self._expected)}")
        if name in self.texts or (name == PACKAGE_FIELD and self.package is not None):
            raise invalid_field(name, "given more than once")
        self._current_name = name
        if name == PACKAGE_FIELD:
            self.package = self._current = _StagedFile(self._tmp_dir, self._limit)
            filename = options.get(b"filename")
            self.filename = filename.decode("utf-8", errors="replace") if filename else None
        else:
            self.texts[name] = self._current = bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        target = self._current
        if isinstance(target, _StagedFile):
            target.write(data[start:end])
            return
        assert target is not None  # headers_finished always precedes data
        target.extend(data[start:end])
        cap = TEXT_FIELD_CAPS.get(self._current_name, EXTRA_FIELD_CAP)
        if len(target) > cap:
            raise invalid_field(self._current_name, f"longer than {cap} bytes")

    def _end(self) -> None:
        self.complete = True

    def text_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for name, value in self.texts.items():
            try:
                fields[name] = value.decode("utf-8")
            except UnicodeDecodeError:
                raise invalid_field(name, "not valid UTF-8") from None
        return fields


def _boundary(headers: Mapping[str, str]) -> bytes:
    content_type, options = parse_options_header(headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not options.get(b"boundary"):
        raise ValidationFailed(
            "the upload must be multipart/form-data with the fields " + ", ".join(EXPECTED_FIELDS)
        )
    return options[b"boundary"]


def _declared_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    if not value.strip().isdigit():
        raise ValidationFailed(f"Content-Length is not a number: {value!r}")
    return int(value)


async def receive_upload(
    headers: Mapping[str, str],
    body: AsyncGenerator[bytes, None],
    *,
    tmp_dir: Path,
    max_bytes: int,
    extra_fields: tuple[str, ...] = (),
) -> ReceivedUpload:
    """Stream a multipart body into a ``ReceivedUpload``. Refuses at once when the declared
    Content-Length already exceeds the limit, and mid-stream as soon as the package part
    (or the body as a whole) passes it. ``extra_fields`` names text fields accepted besides
    the expected ones (at most ``EXTRA_FIELD_CAP`` bytes each), such as a form's CSRF
    token; they arrive in ``fields`` like the others."""
    boundary = _boundary(headers)
    max_body = max_bytes + FRAMING_ALLOWANCE
    declared = _declared_length(headers)
    if declared is not None and declared > max_body:
        raise too_large(max_bytes)
    collector = _FormCollector(tmp_dir, max_bytes, extra_fields)
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        received = 0
        async with aclosing(body):
            async for chunk in body:
                received += len(chunk)
                if received > max_body:
                    raise too_large(max_bytes)
                for start in range(0, len(chunk), SLICE):
                    parser.write(chunk[start : start + SLICE])
        if not collector.complete:
            raise ValidationFailed("the multipart body ended before its closing boundary")
        if collector.package is None:
            raise invalid_field(PACKAGE_FIELD, "a zip file is required")
        fields = collector.text_fields()
        sha256 = await anyio.to_thread.run_sync(collector.package.finish)
    except FormParserError as exc:
        _abort(collector)
        raise ValidationFailed(f"the multipart body is malformed: {exc}") from None
    except BaseException:
        _abort(collector)
        raise
    return ReceivedUpload(
        fields=fields,
        path=collector.package.path,
        sha256=sha256,
        size=collector.package.size,
        filename=collector.filename,
    )


def _abort(collector: _FormCollector) -> None:
    if collector.package is not None:
        collector.package.abort()


def receive_file(
    source: Path, *, tmp_dir: Path, max_bytes: int, fields: Mapping[str, str]
) -> ReceivedUpload:
    """Stage a local zip the way an HTTP upload is staged (for the CLI and the demo)."""
    staged = _StagedFile(tmp_dir, max_bytes)
    try:
        with source.open("rb") as f:
            while data := f.read(SLICE):
                staged.write(data)
        sha256 = staged.finish()
    except BaseException:
        staged.abort()
        raise
    return ReceivedUpload(
        fields=dict(fields), path=staged.path, sha256=sha256, size=staged.size, filename=source.name
    )
