"""The deterministic zip, checked in its raw bytes rather than through zipfile's reading."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from minirelease.build.archive import DeterministicZip

LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
END = struct.Struct("<4sHHHHIIH")
DOS_1980_01_01 = ((1980 - 1980) << 9) | (1 << 5) | 1


def raw_records(
    data: bytes,
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]], tuple[int, ...]]:
    end = END.unpack_from(data, len(data) - END.size)
    assert end[0] == b"PK\x05\x06"
    central_offset, count = end[6], end[4]
    centrals, locals_ = [], []
    at = central_offset
    for _ in range(count):
        record = CENTRAL.unpack_from(data, at)
        assert record[0] == b"PK\x01\x02"
        centrals.append(record)
        at += CENTRAL.size + record[10] + record[11] + record[12]
        local = LOCAL.unpack_from(data, record[16])
        assert local[0] == b"PK\x03\x04"
        locals_.append(local)
    assert at == len(data) - END.size
    return locals_, centrals, end


def write(path: Path, files: list[tuple[str, bytes]], final: tuple[str, bytes] | None) -> bytes:
    with DeterministicZip(path) as archive:
        for name, data in files:
            archive.add(name, data)
        if final is not None:
            archive.add_final(*final)
    return path.read_bytes()


def test_every_metadata_field_is_fixed(tmp_path: Path) -> None:
    files = [("a.txt", b"alpha " * 50), ("dir/b.js", b""), ("dir/é.axml", b"<view/>")]
    data = write(tmp_path / "p.zip", files, ("manifest.json", b"{}"))
    locals_, centrals, end = raw_records(data)
    for local in locals_:
        _, needed, flags, method, time, date, _, _, _, _, extra_len = local
        assert (needed, flags, method, time, date, extra_len) == (
            20,
            0x800,
            8,
            0,
            DOS_1980_01_01,
            0,
        )
    for central in centrals:
        made_by, flags, time, date = central[1], central[3], central[5], central[6]
        extra_len, comment_len, internal, external = (
            central[11],
            central[12],
            central[14],
            central[15],
        )
        assert made_by >> 8 == 3  # Unix
        assert (flags, time, date) == (0x800, 0, DOS_1980_01_01)
        assert (extra_len, comment_len, internal, external) == (0, 0, 0, 0o644 << 16)
    assert end[7] == 0  # no archive comment
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert archive.namelist() == ["a.txt", "dir/b.js", "dir/é.axml", "manifest.json"]
        assert archive.read("dir/é.axml") == b"<view/>"
        assert archive.testzip() is None


def test_same_entries_give_same_bytes(tmp_path: Path) -> None:
    files = [("a", b"1" * 1000), ("b/c", bytes(range(256)))]
    assert write(tmp_path / "1.zip", files, None) == write(tmp_path / "2.zip", files, None)
    assert write(tmp_path / "3.zip", files, None) != write(tmp_path / "4.zip", files[:1], None)


def test_entries_must_be_added_in_order_and_final_last(tmp_path: Path) -> None:
    with DeterministicZip(tmp_path / "p.zip") as archive:
        archive.add("b", b"")
        with pytest.raises(ValueError, match="ascending order"):
            archive.add("a", b"")
        with pytest.raises(ValueError, match="ascending order"):
            archive.add("b", b"")
        with pytest.raises(ValueError, match="not a file name"):
            archive.add("c/", b"")
        archive.add_final("a-final", b"")
        with pytest.raises(ValueError, match="after the final entry"):
            archive.add("z", b"")
        with pytest.raises(ValueError, match="after the final entry"):
            archive.add_final("zz", b"")
