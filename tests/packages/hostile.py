"""Malformed and hostile packages, each with the rule and entry it must be refused with.
Shared by the zipcheck unit tests and the HTTP upload tests."""

from __future__ import annotations

import functools
import io
import json
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.packages.zips import (
    BOMB,
    WITH_SUBPACKAGES,
    MiB,
    Raw,
    ZipWriter,
    info,
    overlapping_zip,
    project,
    raw_files,
    raw_zip,
    zero_bomb_bytes,
    zip_bytes,
)


@dataclass(frozen=True)
class Hostile:
    id: str
    build: Callable[[], bytes]
    rule: str
    entry: str | None
    detail_contains: str = ""


@functools.cache
def valid() -> bytes:
    return zip_bytes(project())


def _plus(*extra: Raw) -> bytes:
    """A valid project with hand-made entries added."""
    return raw_zip([*raw_files(project()), *extra])


def _plus_zipped(*extra: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    return zip_bytes([*project().items(), *extra])


def _app_json(content: Any) -> bytes:
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    return zip_bytes(project(extra={"app.json": data}))


@functools.cache
def many_entries(count: int) -> bytes:
    files = project()
    files.update({f"assets/f{i}.txt": b"" for i in range(count - len(files))})
    return zip_bytes(files, compression=zipfile.ZIP_STORED)


def _end_record_claims(count: int) -> bytes:
    """5001 real entries behind an end record that claims ``count``."""
    data = bytearray(many_entries(5001))
    end = len(data) - 22
    data[end + 8 : end + 12] = count.to_bytes(2, "little") * 2
    return bytes(data)


def _zeros_spread(entries: int) -> bytes:
    """Entries of 1 MiB of zeros: each within the ratio exemption, the whole far beyond."""
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    for raw in raw_files(project()):
        writer.add(raw)
    for i in range(entries):
        writer.add_zeros(f"assets/zeros{i}.bin", real_size=MiB)
    writer.close()
    return buffer.getvalue()


def _local_name_differs() -> bytes:
    data = raw_zip(raw_files(project()))
    # name length 6, extra length 0, name: only app.js's local header has these bytes.
    return data.replace(b"\x06\x00\x00\x00app.js", b"\x06\x00\x00\x00app.jz", 1)


CASES: list[Hostile] = [
    # Not a zip at all, or a broken one.
    Hostile("not-a-zip", lambda: b"this is a text file, not a zip\n" * 10, "not-a-zip", None),
    Hostile("empty-file", lambda: b"", "not-a-zip", None),
    Hostile("truncated", lambda: valid()[: len(valid()) // 2], "corrupt-zip", None),
    Hostile(
        "directory-garbled",
        lambda: valid().replace(b"PK\x01\x02", b"PK\x01\x09"),
        "corrupt-zip",
        None,
    ),
    Hostile("prepended-bytes", lambda: b"MZ" + bytes(100) + valid(), "corrupt-zip", None),
    Hostile("local-header-disagrees", _local_name_differs, "corrupt-zip", "app.js"),
    Hostile(
        "garbage-deflate",
        lambda: _plus(Raw("assets/x.txt", b"hello", payload=b"\xff\xff\xff\xff")),
        "corrupt-zip",
        "assets/x.txt",
    ),
    Hostile(
        "zip64-sizes-missing",
        lambda: _plus(Raw("assets/x.txt", b"hello", declared_size=0xFFFFFFFF)),
        "corrupt-zip",
        "assets/x.txt",
    ),
    # Entry counts, judged before any entry is parsed.
    Hostile(
        "eocd-claims-10-million",
        lambda: raw_zip(raw_files(project()), zip64_entries=10_000_000),
        "too-many-entries",
        None,
        "10000000",
    ),
    Hostile("eocd-claims-60000", lambda: _end_record_claims(60000), "too-many-entries", None),
    Hostile("5001-real-entries", lambda: many_entries(5001), "too-many-entries", None),
    Hostile(
        "directory-holds-more-than-declared",
        lambda: _end_record_claims(3),
        "too-many-entries",
        None,
    ),
    # Sizes: bombs by ratio and by lying headers, overlapping entries.
    Hostile(
        "bomb-by-ratio", lambda: zero_bomb_bytes(real_size=16 * MiB), "compression-ratio", BOMB
    ),
    Hostile(
        "bomb-lying-sizes",
        lambda: zero_bomb_bytes(real_size=16 * MiB, declared_size=64 * 1024),
        "declared-size-mismatch",
        BOMB,
    ),
    Hostile("bomb-spread-overall", lambda: _zeros_spread(40), "compression-ratio", None),
    Hostile(
        "declares-300-MiB",
        lambda: _plus(Raw(BOMB, payload=os.urandom(4 * MiB), declared_size=300 * MiB)),
        "uncompressed-too-large",
        None,
    ),
    Hostile(
        "stored-size-lies",
        lambda: _plus(Raw("assets/a.txt", b"abc", method=0, declared_size=10)),
        "declared-size-mismatch",
        "assets/a.txt",
    ),
    Hostile(
        "crc-mismatch",
        lambda: _plus(Raw("assets/a.txt", b"abc", crc=1)),
        "crc-mismatch",
        "assets/a.txt",
    ),
    Hostile("overlapping-entries", overlapping_zip, "overlapping-entries", "assets/outer.bin"),
    # Entry kinds and flags.
    Hostile(
        "symlink",
        lambda: _plus_zipped((info("assets/link", mode=stat.S_IFLNK | 0o777), b"/etc/passwd")),
        "symlink",
        "assets/link",
    ),
    Hostile(
        "fifo",
        lambda: _plus_zipped((info("assets/pipe", mode=stat.S_IFIFO | 0o644), b"")),
        "special-file",
        "assets/pipe",
    ),
    Hostile(
        "device",
        lambda: _plus_zipped((info("assets/tty", mode=stat.S_IFCHR | 0o666), b"")),
        "special-file",
        "assets/tty",
    ),
    Hostile(
        "encrypted",
        lambda: _plus(Raw("assets/a.txt", b"abc", flags=0x801)),
        "encrypted-entry",
        "assets/a.txt",
    ),
    Hostile(
        "bzip2",
        lambda: _plus(Raw("assets/a.txt", b"abc", method=12)),
        "unsupported-compression",
        "assets/a.txt",
    ),
    Hostile(
        "lzma",
        lambda: _plus(Raw("assets/a.txt", b"abc", method=14)),
        "unsupported-compression",
        "assets/a.txt",
    ),
    # Names.
    Hostile(
        "absolute-path", lambda: _plus(Raw("/etc/passwd.js")), "absolute-path", "/etc/passwd.js"
    ),
    Hostile("drive-letter", lambda: _plus(Raw("C:\\evil.js")), "absolute-path", "C:\\evil.js"),
    Hostile("drive-letter-slash", lambda: _plus(Raw("c:/evil.js")), "absolute-path", "c:/evil.js"),
    Hostile(
        "unc-path",
        lambda: _plus(Raw("\\\\host\\share\\x.js")),
        "absolute-path",
        "\\\\host\\share\\x.js",
    ),
    Hostile("dot-dot", lambda: _plus(Raw("../evil.js")), "parent-path", "../evil.js"),
    Hostile(
        "dot-dot-inside",
        lambda: _plus(Raw("pages/../../evil.js")),
        "parent-path",
        "pages/../../evil.js",
    ),
    Hostile(
        "backslash", lambda: _plus(Raw("pages\\evil.js")), "backslash-in-name", "pages\\evil.js"
    ),
    Hostile(
        "dot-component", lambda: _plus(Raw("pages/./x.js")), "path-not-normalized", "pages/./x.js"
    ),
    Hostile("duplicate-name", lambda: _plus(Raw("app.js", b"dup")), "duplicate-name", "app.js"),
    Hostile("file-and-directory", lambda: _plus(Raw("pages", b"x")), "duplicate-name", "pages"),
    Hostile("case-collision", lambda: _plus(Raw("App.js", b"x")), "case-collision", "App.js"),
    Hostile(
        "case-collision-directory",
        lambda: _plus(Raw("Pages/x.js", b"x")),
        "case-collision",
        "Pages",
    ),
    Hostile(
        "unicode-normalization-collision",
        lambda: _plus(Raw("assets/caf\u00e9.txt"), Raw("assets/cafe\u0301.txt")),
        "case-collision",
        "assets/cafe\u0301.txt",
    ),
    Hostile(
        "not-utf8",
        lambda: _plus(Raw(b"assets/\xff\xfe.js", flags=0)),
        "name-not-utf8",
        "assets/\\xff\\xfe.js",
    ),
    Hostile(
        "not-utf8-despite-flag",
        lambda: _plus(Raw(b"assets/\xc3(.js")),
        "name-not-utf8",
        "assets/\\xc3(.js",
    ),
    Hostile(
        "name-256-bytes", lambda: _plus(Raw("a" * 253 + ".js")), "name-too-long", "a" * 253 + ".js"
    ),
    Hostile(
        "nul-in-name", lambda: _plus(Raw(b"app.js\x00.png")), "control-character", "app.js\x00.png"
    ),
    Hostile(
        "newline-in-name",
        lambda: _plus(Raw("assets/a\nb.js")),
        "control-character",
        "assets/a\nb.js",
    ),
    # The project: app.json, app.js, pages.
    Hostile(
        "missing-app-json",
        lambda: zip_bytes(project(drop=("app.json",))),
        "app-json-missing",
        "app.json",
    ),
    Hostile(
        "folder-zipped",
        lambda: zip_bytes({f"myapp/{name}": data for name, data in project().items()}),
        "app-json-missing",
        "app.json",
        "zip the project's contents, not its folder",
    ),
    Hostile(
        "app-json-not-json", lambda: _app_json(b"{pages: [index]}"), "app-json-invalid", "app.json"
    ),
    Hostile(
        "app-json-not-utf8",
        lambda: _app_json(b'{"pages": ["\xff"]}'),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "app-json-array", lambda: _app_json(["pages/index/index"]), "app-json-invalid", "app.json"
    ),
    Hostile(
        "app-json-duplicate-key",
        lambda: _app_json(b'{"pages": ["a"], "pages": ["b"]}'),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "pages-not-a-list",
        lambda: _app_json({"pages": "pages/index/index"}),
        "app-json-invalid",
        "app.json",
    ),
    Hostile("pages-empty", lambda: _app_json({"pages": []}), "app-json-invalid", "app.json"),
    Hostile(
        "page-dot-dot",
        lambda: _app_json({"pages": ["pages/../../etc/x"]}),
        "app-json-invalid",
        "app.json",
        "'..'",
    ),
    Hostile(
        "page-absolute",
        lambda: _app_json({"pages": ["/pages/index/index"]}),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "page-extension",
        lambda: _app_json({"pages": ["pages/index/index.axml"]}),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "page-listed-twice",
        lambda: _app_json({"pages": ["pages/index/index"] * 2}),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "subpackages-not-list",
        lambda: _app_json({"pages": ["pages/index/index"], "subPackages": {"root": "shop"}}),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "subpackage-page-twice",
        lambda: _app_json(
            {
                "pages": ["pages/index/index"],
                "subPackages": [{"root": "shop", "pages": ["p/a", "p/a"]}],
            }
        ),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "app-json-too-large",
        lambda: _app_json({"pages": ["pages/index/index"], "pad": os.urandom(800 * 1024).hex()}),
        "app-json-invalid",
        "app.json",
    ),
    Hostile(
        "missing-app-js", lambda: zip_bytes(project(drop=("app.js",))), "app-js-missing", "app.js"
    ),
    Hostile(
        "page-missing-axml",
        lambda: zip_bytes(project(drop=("pages/index/index.axml",))),
        "page-missing",
        "pages/index/index.axml",
    ),
    Hostile(
        "subpackage-page-missing-js",
        lambda: zip_bytes(project(WITH_SUBPACKAGES, drop=("shop/pages/cart/cart.js",))),
        "page-missing",
        "shop/pages/cart/cart.js",
    ),
]
