"""Real PNG and JPEG files built byte by byte (no imaging library), for the icon tests."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png(width: int = 16, height: int = 16, *, padding: int = 0) -> bytes:
    """An RGB image, all red. ``padding`` adds an ancillary private chunk of that many
    bytes (plus 12 of chunk framing) to reach an exact file size."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    extra = png_chunk(b"prVt", b"\x00" * padding) if padding else b""
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + extra
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def png_of_size(total: int) -> bytes:
    base = len(png())
    return png(padding=total - base - 12)


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def jpeg(width: int = 32, height: int = 24, *, sof: int = 0xC0) -> bytes:
    """A baseline JFIF JPEG's structure: APP0, a quantization table, the frame header
    (SOF) with the size, a Huffman table, a scan with a few entropy-coded bytes, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + bytes(range(1, 65))
    components = b"".join(bytes((i, 0x11, 0)) for i in (1, 2, 3))
    frame = struct.pack(">BHHB", 8, height, width, 3) + components
    dht = b"\x00" + bytes([0, 1] + [0] * 14) + b"\x00"
    scan_header = b"\x03" + b"".join(bytes((i, 0x00)) for i in (1, 2, 3)) + b"\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + jpeg_segment(0xE0, app0)
        + jpeg_segment(0xDB, dqt)
        + jpeg_segment(sof, frame)
        + jpeg_segment(0xC4, dht)
        + jpeg_segment(0xDA, scan_header)
        + b"\x12\x34\xff\x00\x56"
        + b"\xff\xd9"
    )
