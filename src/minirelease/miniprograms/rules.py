"""Rules for a mini program's basic information (design §1, "Apply to Release"): name,
description, category, release target, tester user ids and icon. Each check returns the
value to store or raises ``ValidationFailed`` naming the field and what is wrong with it."""

from __future__ import annotations

import struct
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from minirelease.errors import ValidationFailed

MAX_NAME_LENGTH = 30
MAX_DESCRIPTION_LENGTH = 500
MAX_TESTER_ID_LENGTH = 64
MAX_TESTERS = 200

CATEGORIES = (
    "shopping",
    "food",
    "travel",
    "transport",
    "finance",
    "lifestyle",
    "health",
    "education",
    "entertainment",
    "games",
    "social",
    "news",
    "tools",
    "government",
    "charity",
    "other",
)

MAX_ICON_BYTES = 1_048_576
ICON_CONTENT_TYPES = ("image/png", "image/jpeg")

# The only release target so far: the partner apps (wallets, super apps) of Alipay+.
RELEASE_TARGETS = {"alipay_plus": "Alipay+ partner apps"}

# Unicode categories that must not appear in a name or id: control characters and the
# line/paragraph separators, which would break how the value is displayed or logged.
_FORBIDDEN_CATEGORIES = {"Cc", "Zl", "Zp"}
# A description is prose: line breaks and tabs are fine there.
_DESCRIPTION_WHITESPACE = {"\n", "\r", "\t"}


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise ValidationFailed("name must not be empty", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            f"name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed",
            field="name",
        )
    _refuse_control_characters("name", name)
    return name


def check_description(description: str) -> str:
    description = unicodedata.normalize("NFC", description).strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            f"description is {len(description)} characters long; at most "
            f"{MAX_DESCRIPTION_LENGTH} are allowed",
            field="description",
        )
    _refuse_control_characters("description", description, allowed=_DESCRIPTION_WHITESPACE)
    return description


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise ValidationFailed(
            f"category {category!r} is not one of: {', '.join(CATEGORIES)}", field="category"
        )
    return category


def check_release_target(release_target: str) -> str:
    if release_target not in RELEASE_TARGETS:
        known = ", ".join(f"{key} ({label})" for key, label in RELEASE_TARGETS.items())
        raise ValidationFailed(
            f"release_target {release_target!r} is not one of: {known}",
            field="release_target",
        )
    return release_target


def check_tester_user_ids(user_ids: Sequence[str]) -> list[str]:
    """Tester ids are the partner apps' own user ids, so they are kept exactly as given:
    no trimming or case folding, only refusal of what cannot be an id."""
    field = "tester_user_ids"
    if len(user_ids) > MAX_TESTERS:
        raise ValidationFailed(
            f"{field} has {len(user_ids)} entries; at most {MAX_TESTERS} are allowed",
            field=field,
        )
    first_index: dict[str, int] = {}
    for index, user_id in enumerate(user_ids):
        where = f"{field}[{index}] {user_id!r}"
        if not 1 <= len(user_id) <= MAX_TESTER_ID_LENGTH:
            raise ValidationFailed(
                f"{where}: must be 1 to {MAX_TESTER_ID_LENGTH} characters long",
                field=field,
                index=index,
            )
        if any(char.isspace() or _is_forbidden(char) for char in user_id):
            raise ValidationFailed(
                f"{where}: whitespace and control characters are not allowed",
                field=field,
                index=index,
            )
        if user_id in first_index:
            raise ValidationFailed(
                f"{where}: duplicates {field}[{first_index[user_id]}]", field=field, index=index
            )
        first_index[user_id] = index
    return list(user_ids)


def _is_forbidden(char: str) -> bool:
    return unicodedata.category(char) in _FORBIDDEN_CATEGORIES


def _refuse_control_characters(field: str, value: str, allowed: set[str] | None = None) -> None:
    for position, char in enumerate(value):
        if _is_forbidden(char) and char not in (allowed or set()):
            raise ValidationFailed(
                f"{field} contains the control character {char!r} at position {position}",
                field=field,
            )


@dataclass(frozen=True)
class IconInfo:
    content_type: str
    width: int
    height: int


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOI = b"\xff\xd8\xff"
# Allowed bit depths per PNG colour type (PNG spec, IHDR).
_PNG_BIT_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
# Start-of-frame markers carry the image size; C4, C8 and CC share the range but do not.
_JPEG_SOF = {m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)}


def check_icon(data: bytes, content_type: str) -> IconInfo:
    """Accept a PNG or JPEG of at most 1 MB whose bytes match its declared Content-Type and
    whose header parses to a size; anything else is refused with the reason."""
    declared = content_type.split(";", 1)[0].strip().lower()
    if declared not in ICON_CONTENT_TYPES:
        raise _icon_error(
            f"Content-Type must be image/png or image/jpeg, not {declared or 'missing'!r}"
        )
    if not data:
        raise _icon_error("the icon is empty")
    if len(data) > MAX_ICON_BYTES:
        raise _icon_error(f"the icon is larger than {MAX_ICON_BYTES:,} bytes (1 MB)")
    if data.startswith(_PNG_SIGNATURE):
        actual, (width, height) = "image/png", _png_size(data)
    elif data.startswith(_JPEG_SOI):
        actual, (width, height) = "image/jpeg", _jpeg_size(data)
    else:
        raise _icon_error("the bytes are neither a PNG nor a JPEG image (unknown signature)")
    if actual != declared:
        raise _icon_error(f"Content-Type says {declared} but the bytes are {actual}")
    return IconInfo(content_type=actual, width=width, height=height)


def _icon_error(reason: str) -> ValidationFailed:
    return ValidationFailed(f"icon: {reason}", field="icon")


def _png_size(data: bytes) -> tuple[int, int]:
    chunks = _png_chunks(data)
    size = _png_header(*next(chunks))
    if b"IDAT" not in [kind for kind, _ in chunks]:
        raise _icon_error("PNG has no image data (IDAT chunk)")
    return size


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield every chunk up to IEND, checking its length and CRC; nothing may follow."""
    pos = len(_PNG_SIGNATURE)
    kind = b""
    while kind != b"IEND":
        if pos + 12 > len(data):
            raise _icon_error("PNG is truncated (no IEND chunk)")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        name = kind.decode("latin-1")
        body_end = pos + 8 + length
        if body_end + 4 > len(data):
            raise _icon_error(f"PNG chunk {name!r} at byte {pos} runs past the end of the file")
        body = data[pos + 8 : body_end]
        if zlib.crc32(kind + body) != int.from_bytes(data[body_end : body_end + 4], "big"):
            raise _icon_error(f"PNG chunk {name!r} at byte {pos} has a bad CRC")
        yield kind, body
        pos = body_end + 4
    if pos != len(data):
        raise _icon_error(f"PNG has {len(data) - pos} bytes after its IEND chunk")


def _png_header(kind: bytes, body: bytes) -> tuple[int, int]:
    if kind != b"IHDR" or len(body) != 13:
        raise _icon_error("PNG does not start with a valid IHDR chunk")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise _icon_error(f"PNG declares an invalid size {width}x{height}")
    if depth not in _PNG_BIT_DEPTHS.get(colour, set()):
        raise _icon_error(f"PNG colour type {colour} with bit depth {depth} is invalid")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise _icon_error("PNG header uses an unknown compression, filter or interlace method")
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Scan the marker segments after SOI up to the first start-of-frame (SOF)."""
    if not data.endswith(b"\xff\xd9"):
        raise _icon_error("JPEG is truncated (it does not end with an EOI marker)")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise _icon_error(f"JPEG has no marker where one is expected (byte {pos})")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes may pad a marker
            pos += 1
        if pos + 3 > len(data):
            break
        marker = data[pos]
        if marker in (0xD9, 0xDA):
            raise _icon_error("JPEG has no frame header (SOF) before its image data")
        if 0xD0 <= marker <= 0xD8 or marker in (0x00, 0x01):
            raise _icon_error(f"JPEG has an unexpected marker 0xFF{marker:02X} (byte {pos})")
        (length,) = struct.unpack(">H", data[pos + 1 : pos + 3])
        segment = data[pos + 3 : pos + 1 + length]
        if length < 2 or pos + 1 + length > len(data):
            raise _icon_error(f"JPEG segment 0xFF{marker:02X} at byte {pos} has a bad length")
        if marker in _JPEG_SOF:
            return _jpeg_frame(segment)
        pos += 1 + length
    raise _icon_error("JPEG ends before a frame header (SOF)")


def _jpeg_frame(segment: bytes) -> tuple[int, int]:
    if len(segment) < 6:
        raise _icon_error("JPEG frame header (SOF) is too short")
    height, width, components = struct.unpack(">HHB", segment[1:6])
    if len(segment) != 6 + 3 * components or components not in (1, 3, 4):
        raise _icon_error("JPEG frame header (SOF) is malformed")
    if width == 0 or height == 0:
        raise _icon_error(f"JPEG declares an invalid size {width}x{height}")
    return width, height
