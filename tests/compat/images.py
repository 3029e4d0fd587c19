"""Image files written in the tests: headers as real encoders write them, so the rules read
their sizes; the pixel data is left out (no rule decodes it)."""

from __future__ import annotations

import hashlib
import struct
import zlib


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def jpeg(width: int, height: int, padding: int = 0) -> bytes:
    """A baseline JPEG header after a JFIF segment, then ``padding`` bytes that do not
    compress (standing for the scan data)."""
    jfif = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + jfif + frame + noise(padding, f"jpeg{width}x{height}") + b"\xff\xd9"


def noise(size: int, seed: str) -> bytes:
    """``size`` bytes that deflate cannot shrink, the same for the same seed."""
    blocks = (hashlib.sha256(f"{seed}:{n}".encode()).digest() for n in range(size // 32 + 1))
    return b"".join(blocks)[:size]
