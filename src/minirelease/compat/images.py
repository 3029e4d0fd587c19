"""The size of an image in the package, read from its header (PNG, JPEG, GIF) without
decoding it: what the image rules need to estimate the memory a decoded image takes.
Pure: no I/O; a header that does not parse gives None (the image is not judged)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

IMAGE_SUFFIXES: Final = (".png", ".jpg", ".jpeg", ".gif")

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_GIF_SIGNATURES: Final = (b"GIF87a", b"GIF89a")
# JPEG start-of-frame markers (baseline, progressive, lossless…): they carry the size.
# C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding) share the range but are not
# frames.
_JPEG_FRAMES: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length.
_JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD9)})


@dataclass(frozen=True)
class ImageFacts:
    format: str  # "png" | "jpeg" | "gif"
    width: int
    height: int
    bytes: int  # the file's size

    @property
    def decoded_bytes(self) -> int:
        """Memory of the decoded bitmap: 4 bytes (RGBA) per pixel."""
        return self.width * self.height * 4


def is_image(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


def image_facts(data: bytes) -> ImageFacts | None:
    size = _png(data) or _gif(data) or _jpeg(data)
    if size is None:
        return None
    kind, width, height = size
    return ImageFacts(kind, width, height, len(data))


def _png(data: bytes) -> tuple[str, int, int] | None:
    # The IHDR chunk comes first: length (4), type (4), width (4), height (4).
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ("png", width, height) if width and height else None


def _gif(data: bytes) -> tuple[str, int, int] | None:
    if not data.startswith(_GIF_SIGNATURES) or len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return ("gif", width, height) if width and height else None


def _jpeg(data: bytes) -> tuple[str, int, int] | None:
    """Walk the marker segments up to the first frame header."""
    if not data.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _JPEG_STANDALONE:
            at += 2
            continue
        if marker == 0xDA:  # start of scan: no frame header came first
            return None
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _JPEG_FRAMES:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ("jpeg", width, height) if width and height else None
        if length < 2:
            return None
        at += 2 + length
    return None
