"""Reading a zip's structure from its bytes (PKWARE APPNOTE 6.3), trusting nothing: the end
of central directory records (zip64 included) give the entry count before any entry is
parsed; the central directory is walked with a hard cap on entries; each entry's data is
located through its local header and decompressed in bounded chunks, counting real bytes
against the declared size and checking the CRC. Structural faults raise ``PackageInvalid``."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from minirelease.errors import PackageInvalid
from minirelease.packages import rules
from minirelease.packages.rules import refuse

CHUNK = 64 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
_ZIP64_EXTRA = 0x0001


@dataclass(frozen=True)
class Directory:
    declared_entries: int
    offset: int
    size: int
    end: int  # where the end records start: the directory must end exactly here


@dataclass(frozen=True)
class CentralEntry:
    raw_name: bytes
    flags: int
    method: int
    crc: int
    compressed_size: int
    file_size: int
    external_attr: int
    header_offset: int

    @property
    def shown(self) -> str:
        return rules.display_name(self.raw_name)


def _corrupt(message: str, entry: str | None = None) -> PackageInvalid:
    return refuse(rules.CORRUPT_ZIP, message, entry)


def _read_at(f: BinaryIO, offset: int, size: int) -> bytes:
    f.seek(offset)
    return f.read(size)


def find_directory(f: BinaryIO, file_size: int) -> Directory:
    """Locate the central directory from the end records, reading only the file's tail."""
    tail_start = max(0, file_size - _EOCD.size - _MAX_COMMENT)
    tail = _read_at(f, tail_start, file_size - tail_start)
    pos = tail.rfind(_EOCD_SIG)
    # The real record is the one whose comment runs exactly to the end of the file.
    while pos >= 0 and not (
        pos + _EOCD.size <= len(tail)
        and pos + _EOCD.size + _EOCD.unpack_from(tail, pos)[-1] == len(tail)
    ):
        pos = tail.rfind(_EOCD_SIG, 0, pos)
    if pos < 0:
        if _read_at(f, 0, 4) == _LOCAL_SIG:
            raise _corrupt("the zip is truncated: it has no end of central directory record")
        raise refuse(rules.NOT_A_ZIP, "the upload is not a zip archive")
    _, disk, cd_disk, disk_entries, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pos)
    end = tail_start + pos
    if disk != 0 or cd_disk != 0 or disk_entries != entries:
        raise _corrupt("multi-disk (split) archives are not supported")
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        zip64 = _zip64_directory(f, end)
        if zip64 is not None:
            return zip64
    return Directory(declared_entries=entries, offset=cd_offset, size=cd_size, end=end)


def _zip64_directory(f: BinaryIO, eocd_offset: int) -> Directory | None:
    locator_offset = eocd_offset - _ZIP64_LOCATOR.size
    if locator_offset < 0:
        return None
    sig, _, record_offset, _ = _ZIP64_LOCATOR.unpack(
        _read_at(f, locator_offset, _ZIP64_LOCATOR.size)
    )
    if sig != _ZIP64_LOCATOR_SIG:
        return None  # the 32-bit values stand as they are
    if record_offset + _ZIP64_EOCD.size > locator_offset:
        raise _corrupt("the zip64 end of central directory record lies outside the archive")
    record = _read_at(f, record_offset, _ZIP64_EOCD.size)
    sig, _, _, _, disk, cd_disk, disk_entries, entries, cd_size, cd_offset = _ZIP64_EOCD.unpack(
        record
    )
    if sig != _ZIP64_EOCD_SIG:
        raise _corrupt("the zip64 end of central directory record is missing")
    if disk != 0 or cd_disk != 0 or disk_entries != entries:
        raise _corrupt("multi-disk (split) archives are not supported")
    return Directory(declared_entries=entries, offset=cd_offset, size=cd_size, end=record_offset)


def read_directory(f: BinaryIO, directory: Directory, *, max_entries: int) -> list[CentralEntry]:
    """Walk the central directory, refusing as soon as it holds more than ``max_entries``
    (whatever the end record claimed) and keeping only what the rules need."""
    if directory.offset + directory.size != directory.end:
        raise _corrupt("the central directory is not where the end record says it is")
    f.seek(directory.offset)
    entries: list[CentralEntry] = []
    consumed = 0
    while consumed < directory.size:
        header = f.read(_CENTRAL.size)
        if len(header) < _CENTRAL.size or header[:4] != _CENTRAL_SIG:
            raise _corrupt(f"central directory entry {len(entries) + 1} is damaged")
        (_, _, _, flags, method, _, _, crc, csize, usize, n, m, k, _, _, attr, offset) = (
            _CENTRAL.unpack(header)
        )
        name, extra = f.read(n), f.read(m)
        f.seek(k, 1)  # the entry comment
        consumed += _CENTRAL.size + n + m + k
        if len(entries) == max_entries:
            raise refuse(
                rules.TOO_MANY_ENTRIES,
                f"the central directory holds more than {max_entries} entries",
            )
        usize, csize, offset = _zip64_values(extra, usize, csize, offset, rules.display_name(name))
        entries.append(CentralEntry(name, flags, method, crc, csize, usize, attr, offset))
    if consumed != directory.size or len(entries) != directory.declared_entries:
        raise _corrupt(
            f"the end record declares {directory.declared_entries} entries in "
            f"{directory.size} bytes, but the central directory differs"
        )
    return entries


def _zip64_values(
    extra: bytes, usize: int, csize: int, offset: int, shown: str
) -> tuple[int, int, int]:
    """Replace the 32-bit fields saturated at 0xFFFFFFFF with their zip64 extra values."""
    wanted = [value == 0xFFFFFFFF for value in (usize, csize, offset)]
    if not any(wanted):
        return usize, csize, offset
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, pos)
        if tag == _ZIP64_EXTRA:
            data = extra[pos + 4 : pos + 4 + size]
            values = [usize, csize, offset]
            cursor = 0
            for i, needed in enumerate(wanted):
                if needed:
                    if cursor + 8 > len(data):
                        break
                    values[i] = struct.unpack_from("<Q", data, cursor)[0]
                    cursor += 8
            else:
                return values[0], values[1], values[2]
        pos += 4 + size
    raise _corrupt(f"entry {shown!r} lacks its zip64 size fields", shown)


def locate_data(f: BinaryIO, entries: list[CentralEntry], directory: Directory) -> list[int]:
    """Each entry's data offset, from its local header, refusing entries whose local header
    disagrees with the directory and entries whose bytes overlap (the trick behind
    non-recursive zip bombs) or run into the directory."""
    offsets: list[int] = []
    for entry in entries:
        header = _read_at(f, entry.header_offset, _LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != _LOCAL_SIG:
            raise _corrupt(f"entry {entry.shown!r} has no local header", entry.shown)
        _, _, flags, method, _, _, _, _, _, n, m = _LOCAL.unpack(header)
        if f.read(n) != entry.raw_name or method != entry.method or (flags ^ entry.flags) & 1:
            raise _corrupt(
                f"entry {entry.shown!r}: its local header disagrees with the directory",
                entry.shown,
            )
        offsets.append(entry.header_offset + _LOCAL.size + n + m)
    spans = sorted(
        (
            (entry.header_offset, start + entry.compressed_size, entry)
            for entry, start in zip(entries, offsets, strict=True)
        ),
        key=lambda span: span[0],
    )
    for (_, end, entry), (next_start, _, _) in itertools.pairwise(spans):
        if end > next_start:
            raise refuse(
                rules.OVERLAPPING_ENTRIES,
                f"entry {entry.shown!r} overlaps the next entry's bytes",
                entry.shown,
            )
    if spans and spans[-1][1] > directory.offset:
        raise _corrupt(f"entry {spans[-1][2].shown!r} runs into the central directory")
    return offsets


def iter_content(f: BinaryIO, entry: CentralEntry, data_offset: int) -> Iterator[bytes]:
    """Yield the entry's content in chunks of at most ``CHUNK`` bytes, refusing the moment
    it grows past its declared size, and checking the size and CRC at the end. Memory stays
    bounded whatever the compressed data expands to."""
    name = entry.shown
    decompressor = zlib.decompressobj(-15) if entry.method == rules.DEFLATED else None
    f.seek(data_offset)
    remaining, produced, crc = entry.compressed_size, 0, 0
    while remaining > 0:
        data = f.read(min(CHUNK, remaining))
        if not data:
            raise _corrupt(f"entry {name!r} is truncated", name)
        remaining -= len(data)
        while data:
            if decompressor is None:
                out, data = data, b""
            else:
                try:
                    out = decompressor.decompress(data, CHUNK)
                except zlib.error as exc:
                    raise _corrupt(f"entry {name!r} does not inflate: {exc}", name) from None
                data = decompressor.unconsumed_tail
            produced += len(out)
            if produced > entry.file_size:
                raise refuse(
                    rules.DECLARED_SIZE_MISMATCH,
                    f"entry {name!r} expands beyond its declared {entry.file_size} bytes "
                    "(a zip bomb's lying header)",
                    name,
                )
            crc = zlib.crc32(out, crc)
            yield out
    if decompressor is not None and (not decompressor.eof or decompressor.unused_data):
        raise _corrupt(f"entry {name!r}: its deflate stream does not end where it should", name)
    if produced != entry.file_size:
        raise refuse(
            rules.DECLARED_SIZE_MISMATCH,
            f"entry {name!r} holds {produced} bytes but declares {entry.file_size}",
            name,
        )
    if crc != entry.crc:
        raise refuse(rules.CRC_MISMATCH, f"entry {name!r} fails its CRC-32 check", name)
