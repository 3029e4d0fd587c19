"""Building packages for tests: valid projects, zips with chosen quirks (through zipfile),
and zips crafted byte by byte for what zipfile will not write (lying sizes, bad CRCs,
duplicate or non-UTF-8 names, encrypted flags, forged entry counts, overlapping entries),
including zip bombs streamed to disk without ever holding their expansion in memory."""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

MiB = 1024 * 1024
MINIMAL_APP: dict[str, Any] = {"pages": ["pages/index/index"]}
WITH_SUBPACKAGES: dict[str, Any] = {
    "pages": ["pages/index/index", "pages/about/about"],
    "subPackages": [{"root": "shop", "pages": ["pages/cart/cart", "pages/pay/pay"]}],
    "window": {"defaultTitle": "Demo"},
}
UTF8_FLAG = 0x800
REGULAR = (stat.S_IFREG | 0o644) << 16
BOMB = "assets/data.bin"


def project(
    app: Mapping[str, Any] = MINIMAL_APP,
    *,
    drop: tuple[str, ...] = (),
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """A valid project's files for ``app`` (app.json, app.js, each page's .axml, .js and
    .acss), without the files in ``drop`` and with ``extra`` added or replaced."""
    files = {"app.json": json.dumps(app).encode(), "app.js": b"App({ onLaunch() {} });\n"}
    subpackages = [(sub["root"] + "/", sub["pages"]) for sub in app.get("subPackages", [])]
    for root, pages in [("", app["pages"]), *subpackages]:
        for page in pages:
            files[f"{root}{page}.axml"] = b"<view class='page'>{{title}}</view>\n"
            files[f"{root}{page}.js"] = b"Page({ data: { title: 'hello' } });\n"
            files[f"{root}{page}.acss"] = b".page { color: #333; }\n"
    for name in drop:
        del files[name]
    files.update(extra or {})
    return files


def zip_bytes(
    files: Mapping[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip written by zipfile, as real archivers write them."""
    buffer = io.BytesIO()
    items = files.items() if isinstance(files, Mapping) else files
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in items:
            archive.writestr(name, data)
    return buffer.getvalue()


def info(name: str, *, mode: int) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    entry.external_attr = mode << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


@dataclass
class Raw:
    """One entry of a hand-made zip. Unset fields take their honest values."""

    name: str | bytes
    data: bytes = b""
    method: int = zipfile.ZIP_DEFLATED
    flags: int = UTF8_FLAG
    external_attr: int = REGULAR
    declared_size: int | None = None
    crc: int | None = None
    payload: bytes | None = None  # the bytes stored, when not derived from ``data``
    zip64: bool = False  # central record sizes and offset in a zip64 extra field

    @property
    def raw_name(self) -> bytes:
        return self.name.encode() if isinstance(self.name, str) else self.name


def raw_files(files: Mapping[str, bytes]) -> list[Raw]:
    return [Raw(name, data) for name, data in files.items()]


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def entry_headers(
    raw: Raw, *, crc: int, csize: int, usize: int, offset: int
) -> tuple[bytes, bytes]:
    """The entry's local header and central directory record, each with its name."""
    name = raw.raw_name
    local = struct.pack(
        "<4s5H3L2H",
        b"PK\x03\x04",
        20,
        raw.flags,
        raw.method,
        0,
        0x21,
        crc,
        csize,
        usize,
        len(name),
        0,
    )
    extra = b""
    if raw.zip64:
        extra = struct.pack("<2H3Q", 0x0001, 24, usize, csize, offset)
        usize = csize = offset = 0xFFFFFFFF
    central = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        0x032D,
        45,
        raw.flags,
        raw.method,
        0,
        0x21,
        crc,
        csize,
        usize,
        len(name),
        len(extra),
        0,
        0,
        0,
        raw.external_attr,
        offset,
    )
    return local + name, central + name + extra


class ZipWriter:
    """Writes local headers, data, the central directory and end records itself."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.central = bytearray()
        self.count = 0

    def add(self, raw: Raw) -> None:
        if raw.payload is not None:
            payload = raw.payload
        else:
            payload = deflate(raw.data) if raw.method == zipfile.ZIP_DEFLATED else raw.data
        crc = zlib.crc32(raw.data) if raw.crc is None else raw.crc
        usize = len(raw.data) if raw.declared_size is None else raw.declared_size
        local, central = entry_headers(
            raw, crc=crc, csize=len(payload), usize=usize, offset=self.out.tell()
        )
        self.out.write(local + payload)
        self.central += central
        self.count += 1

    def add_zeros(self, name: str, *, real_size: int, declared_size: int | None = None) -> None:
        """A deflated entry of ``real_size`` zero bytes (a multiple of 1 MiB), streamed: each
        MiB is fully flushed, so its compressed form is the same block written again."""
        assert real_size % MiB == 0
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        zeros = bytes(MiB)
        block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        tail = compressor.flush()
        crc = 0
        for _ in range(real_size // MiB):
            crc = zlib.crc32(zeros, crc)
        csize = len(block) * (real_size // MiB) + len(tail)
        usize = real_size if declared_size is None else declared_size
        raw = Raw(name)
        local, central = entry_headers(
            raw, crc=crc, csize=csize, usize=usize, offset=self.out.tell()
        )
        self.out.write(local)
        for _ in range(real_size // MiB):
            self.out.write(block)
        self.out.write(tail)
        self.central += central
        self.count += 1

    def close(
        self, *, declared_entries: int | None = None, zip64_entries: int | None = None
    ) -> None:
        cd_offset = self.out.tell()
        self.out.write(self.central)
        count = self.count if declared_entries is None else declared_entries
        if zip64_entries is not None:
            record = self.out.tell()
            self.out.write(
                struct.pack(
                    "<4sQ2H2L4Q",
                    b"PK\x06\x06",
                    44,
                    45,
                    45,
                    0,
                    0,
                    zip64_entries,
                    zip64_entries,
                    len(self.central),
                    cd_offset,
                )
            )
            self.out.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, record, 1))
            count = 0xFFFF
        self.out.write(
            struct.pack(
                "<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(self.central), cd_offset, 0
            )
        )


def raw_zip(entries: list[Raw], **end: int | None) -> bytes:
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    for raw in entries:
        writer.add(raw)
    writer.close(**end)
    return buffer.getvalue()


def zero_bomb(
    out: BinaryIO, *, real_size: int, declared_size: int | None = None, name: str = BOMB
) -> None:
    """A valid project plus one entry of ``real_size`` zeros, streamed to ``out``."""
    writer = ZipWriter(out)
    for raw in raw_files(project()):
        writer.add(raw)
    writer.add_zeros(name, real_size=real_size, declared_size=declared_size)
    writer.close()


def zero_bomb_bytes(*, real_size: int, declared_size: int | None = None) -> bytes:
    buffer = io.BytesIO()
    zero_bomb(buffer, real_size=real_size, declared_size=declared_size)
    return buffer.getvalue()


def overlapping_zip() -> bytes:
    """Two entries whose bytes overlap: the second's local header and data sit inside the
    first (stored) entry's data, the trick of non-recursive zip bombs."""
    inner = Raw("assets/inner.txt", b"inner data " * 10, method=zipfile.ZIP_STORED)
    sizes = {"crc": zlib.crc32(inner.data), "csize": len(inner.data), "usize": len(inner.data)}
    inner_local, _ = entry_headers(inner, offset=0, **sizes)
    outer = Raw("assets/outer.bin", inner_local + inner.data, method=zipfile.ZIP_STORED)
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    for raw in raw_files(project()):
        writer.add(raw)
    inner_offset = buffer.tell() + 30 + len(outer.raw_name)
    writer.add(outer)
    _, inner_central = entry_headers(inner, offset=inner_offset, **sizes)
    writer.central += inner_central
    writer.count += 1
    writer.close()
    return buffer.getvalue()
