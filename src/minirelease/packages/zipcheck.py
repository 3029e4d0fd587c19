"""Deciding whether an uploaded zip is a package minirelease will keep: every rule of design
§4, in an order that never lets an archive cost more than its limits. The entry count comes
from the end record before any entry is parsed; names, kinds and declared sizes are judged
before a byte is inflated; then every entry is inflated in bounded chunks against its
declared size and CRC; only then is the project layout (app.json, app.js, pages) checked."""

from __future__ import annotations

import os
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from minirelease.packages import rules, zipformat
from minirelease.packages.appjson import AppManifest, Subpackage, parse_app_json
from minirelease.packages.rules import EntryKind, UploadLimits, refuse
from minirelease.packages.zipformat import CentralEntry


@dataclass(frozen=True)
class PackageInfo:
    manifest: AppManifest
    entry_count: int
    uncompressed_size: int

    @property
    def app_json(self) -> dict[str, Any]:
        return self.manifest.raw

    @property
    def pages(self) -> tuple[str, ...]:
        return self.manifest.pages

    @property
    def subpackages(self) -> tuple[Subpackage, ...]:
        return self.manifest.subpackages


def inspect_package(path: Path, limits: UploadLimits) -> PackageInfo:
    """Check the zip at ``path`` and describe it, or raise ``PackageInvalid`` naming the
    broken rule and the offending entry."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise refuse(rules.NOT_A_ZIP, "the upload is empty")
        if size > limits.max_upload_bytes:
            raise refuse(rules.UPLOAD_TOO_LARGE, f"the upload exceeds {limits.max_upload_bytes}")
        directory = zipformat.find_directory(f, size)
        if directory.declared_entries > limits.max_entries:
            raise refuse(
                rules.TOO_MANY_ENTRIES,
                f"the zip declares {directory.declared_entries} entries; "
                f"at most {limits.max_entries}",
            )
        entries = zipformat.read_directory(f, directory, max_entries=limits.max_entries)
        names = [rules.check_entry_name(entry.raw_name, limits) for entry in entries]
        _check_unique(names)
        kinds = _check_kinds(entries, names)
        uncompressed = _check_declared_sizes(entries, size, limits)
        offsets = zipformat.locate_data(f, entries, directory)
        for entry, offset in sorted(zip(entries, offsets, strict=True), key=lambda p: p[1]):
            for _ in zipformat.iter_content(f, entry, offset):
                pass
        _agree_with_zipfile(path, entries)
        manifest = _read_manifest(f, entries, offsets, kinds, limits)
    _check_layout(manifest, {name for name, kind in kinds.items() if kind == "file"})
    return PackageInfo(
        manifest=manifest,
        entry_count=len(entries),
        uncompressed_size=uncompressed,
    )


def _parents(path: str) -> Iterable[str]:
    parts = path.split("/")
    return ("/".join(parts[:i]) for i in range(1, len(parts)))


def _check_unique(names: list[str]) -> None:
    """No two entries may extract to the same path: not byte-equal names, not a file and a
    directory of the same name, and not names equal once case and Unicode normalization are
    ignored (as macOS and Windows file systems do)."""
    paths: set[str] = set()
    directories: set[str] = set()
    for name in names:
        path = name.removesuffix("/")
        if path in paths:
            raise refuse(rules.DUPLICATE_NAME, f"entry {name!r} appears more than once", name)
        paths.add(path)
        directories.update(_parents(path))
        if name.endswith("/"):
            directories.add(path)
    for name in names:
        path = name.removesuffix("/")
        if not name.endswith("/") and path in directories:
            raise refuse(
                rules.DUPLICATE_NAME, f"entry {name!r} is both a file and a directory", name
            )
    folded: dict[str, str] = {}
    for name in names:
        path = name.removesuffix("/")
        for candidate in (*_parents(path), path):
            key = unicodedata.normalize("NFC", candidate).casefold()
            first = folded.setdefault(key, candidate)
            if first != candidate:
                raise refuse(
                    rules.CASE_COLLISION,
                    f"entry {candidate!r} collides with {first!r} once case and Unicode "
                    "normalization are ignored, as macOS and Windows do",
                    candidate,
                )


def _check_kinds(entries: list[CentralEntry], names: list[str]) -> dict[str, EntryKind]:
    kinds: dict[str, EntryKind] = {}
    for entry, name in zip(entries, names, strict=True):
        kind = rules.entry_kind(name, entry.external_attr)
        if kind == "symlink":
            raise refuse(rules.SYMLINK, f"entry {name!r} is a symbolic link", name)
        if kind == "special":
            raise refuse(rules.SPECIAL_FILE, f"entry {name!r} is a device, FIFO or socket", name)
        if entry.flags & 0x1:
            raise refuse(rules.ENCRYPTED_ENTRY, f"entry {name!r} is encrypted", name)
        if entry.method not in rules.SUPPORTED_METHODS:
            raise refuse(
                rules.UNSUPPORTED_COMPRESSION,
                f"entry {name!r} uses compression method {entry.method}; "
                "only stored (0) and deflate (8) are supported",
                name,
            )
        if kind == "directory" and entry.file_size:
            raise refuse(rules.CORRUPT_ZIP, f"directory entry {name!r} carries data", name)
        kinds[name] = kind
    return kinds


def _check_declared_sizes(
    entries: list[CentralEntry], archive_size: int, limits: UploadLimits
) -> int:
    """Judge the sizes the headers declare, before inflating anything; return the total.
    Inflating later refuses any entry that produces more than it declared, so these
    declared limits bound the real ones."""
    total = 0
    for entry in entries:
        if entry.method == rules.STORED and entry.compressed_size != entry.file_size:
            raise refuse(
                rules.DECLARED_SIZE_MISMATCH,
                f"stored entry {entry.shown!r} declares {entry.file_size} bytes "
                f"but holds {entry.compressed_size}",
                entry.shown,
            )
        if rules.ratio_exceeded(entry.file_size, entry.compressed_size, limits):
            raise refuse(
                rules.COMPRESSION_RATIO,
                f"entry {entry.shown!r} expands {entry.file_size} bytes from "
                f"{entry.compressed_size}, beyond {limits.max_ratio}:1",
                entry.shown,
            )
        total += entry.file_size
    if total > limits.max_total_uncompressed:
        raise refuse(
            rules.UNCOMPRESSED_TOO_LARGE,
            f"the package expands to {total} bytes; at most {limits.max_total_uncompressed}",
        )
    if rules.ratio_exceeded(total, archive_size, limits):
        raise refuse(
            rules.COMPRESSION_RATIO,
            f"the package expands {total} bytes from {archive_size}, "
            f"beyond {limits.max_ratio}:1 overall",
        )
    return total


def _agree_with_zipfile(path: Path, entries: list[CentralEntry]) -> None:
    """The build reads packages with ``zipfile``: make sure it sees exactly the entries
    checked here, so no parser difference lets an unchecked entry through."""
    expected = [
        (e.raw_name.decode("utf-8"), e.header_offset, e.compressed_size, e.file_size, e.crc)
        for e in entries
    ]
    try:
        with zipfile.ZipFile(path, metadata_encoding="utf-8") as archive:
            seen = [
                (i.orig_filename, i.header_offset, i.compress_size, i.file_size, i.CRC)
                for i in archive.infolist()
            ]
    except (zipfile.BadZipFile, ValueError, EOFError, struct.error) as exc:
        raise refuse(rules.CORRUPT_ZIP, f"the zip cannot be read: {exc}") from None
    if seen != expected:
        raise refuse(rules.CORRUPT_ZIP, "the zip's directory reads differently across readers")


def _read_manifest(
    f: BinaryIO,
    entries: list[CentralEntry],
    offsets: list[int],
    kinds: dict[str, EntryKind],
    limits: UploadLimits,
) -> AppManifest:
    for entry, offset in zip(entries, offsets, strict=True):
        if entry.raw_name != rules.APP_JSON.encode() or kinds[rules.APP_JSON] != "file":
            continue
        if entry.file_size > limits.max_app_json_bytes:
            raise refuse(
                rules.APP_JSON_INVALID,
                f"app.json is {entry.file_size} bytes; at most {limits.max_app_json_bytes}",
                rules.APP_JSON,
            )
        return parse_app_json(b"".join(zipformat.iter_content(f, entry, offset)))
    nested = sorted(
        name
        for name, kind in kinds.items()
        if kind == "file" and name.count("/") == 1 and name.endswith("/" + rules.APP_JSON)
        if not rules.is_os_junk(name)
    )
    hint = f"; found {nested[0]!r}: zip the project's contents, not its folder" if nested else ""
    raise refuse(
        rules.APP_JSON_MISSING, f"there is no app.json at the root of the zip{hint}", "app.json"
    )


def _check_layout(manifest: AppManifest, files: set[str]) -> None:
    if rules.APP_JS not in files:
        raise refuse(rules.APP_JS_MISSING, "there is no app.js at the root of the zip", "app.js")
    for root, page in manifest.page_locations():
        for required in rules.page_files(page, root):
            if required not in files:
                shown = f"{root}/{page}" if root else page
                raise refuse(rules.PAGE_MISSING, f"page {shown!r} has no {required!r}", required)
