"""Basic-info rules and icon checks, without a database."""

from __future__ import annotations

import struct
import unicodedata

import pytest

from minirelease.errors import ValidationFailed
from minirelease.miniprograms import rules
from tests.miniprograms.images import PNG_SIGNATURE, jpeg, jpeg_segment, png, png_chunk, png_of_size

# --- name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Coffee", "Coffee"),
        ("  Coffee Shop  ", "Coffee Shop"),
        ("x", "x"),
        ("n" * 30, "n" * 30),
        ("咖啡店" * 10, "咖啡店" * 10),  # 30 characters, 90 UTF-8 bytes
        ("Caf\u0065\u0301", "Café"),  # decomposed é counts as one character
        ("🍕 Pizza", "🍕 Pizza"),
    ],
)
def test_names_accepted(name: str, stored: str) -> None:
    assert rules.check_name(name) == stored
    assert unicodedata.is_normalized("NFC", rules.check_name(name))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "name must not be empty"),
        ("   ", "name must not be empty"),
        ("n" * 31, "name is 31 characters long; at most 30 are allowed"),
        ("咖" * 31, "name is 31 characters long; at most 30 are allowed"),
        ("Coffee\x00Shop", "name contains the control character '\\x00' at position 6"),
        ("Coffee\nShop", "name contains the control character '\\n' at position 6"),
        ("Coffee\u2028Shop", "name contains the control character '\\u2028'"),
        ("Coffee\x7f", "control character '\\x7f'"),
    ],
)
def test_names_refused(name: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_name(name)
    assert message in caught.value.detail
    assert caught.value.extra == {"field": "name"}


# --- description ----------------------------------------------------------------------


def test_description_keeps_line_breaks_and_allows_500_characters() -> None:
    assert rules.check_description("Line one\nLine two\tend") == "Line one\nLine two\tend"
    assert rules.check_description("d" * 500) == "d" * 500
    assert rules.check_description("") == ""


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("d" * 501, "description is 501 characters long; at most 500 are allowed"),
        ("bad\x00byte", "description contains the control character '\\x00' at position 3"),
        ("bell\x07", "control character '\\x07'"),
    ],
)
def test_descriptions_refused(description: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match="description") as caught:
        rules.check_description(description)
    assert message in caught.value.detail


# --- category and release target ----------------------------------------------------------


@pytest.mark.parametrize("category", rules.CATEGORIES)
def test_every_listed_category_is_accepted(category: str) -> None:
    assert rules.check_category(category) == category


@pytest.mark.parametrize("category", ["", "Shopping", "casino", "tools "])
def test_unknown_categories_are_refused_with_the_list(category: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_category(category)
    assert f"category {category!r} is not one of: shopping, food," in caught.value.detail


def test_alipay_plus_is_the_only_release_target() -> None:
    assert rules.check_release_target("alipay_plus") == "alipay_plus"
    for target in ("wechat", "Alipay+ partner apps", ""):
        with pytest.raises(ValidationFailed) as caught:
            rules.check_release_target(target)
        assert "alipay_plus (Alipay+ partner apps)" in caught.value.detail


# --- tester user ids ------------------------------------------------------------------


def test_tester_ids_are_kept_exactly() -> None:
    ids = ["2088000000000001", "User-A", "u" * 64, "ユーザー"]
    assert rules.check_tester_user_ids(ids) == ids
    assert rules.check_tester_user_ids([]) == []


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([""], "tester_user_ids[0] '': must be 1 to 64 characters long"),
        (["ok", "u" * 65], "tester_user_ids[1] '" + "u" * 65 + "': must be 1 to 64"),
        (["has space"], "tester_user_ids[0] 'has space': whitespace and control characters"),
        (["tab\there"], "whitespace and control characters are not allowed"),
        (["nul\x00"], "whitespace and control characters are not allowed"),
        (["a", "b", "a"], "tester_user_ids[2] 'a': duplicates tester_user_ids[0]"),
    ],
)
def test_tester_ids_refused(ids: list[str], message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_tester_user_ids(ids)
    assert message in caught.value.detail


def test_at_most_200_testers() -> None:
    ids = [f"user{i}" for i in range(201)]
    assert len(rules.check_tester_user_ids(ids[:200])) == 200
    with pytest.raises(ValidationFailed, match="tester_user_ids has 201 entries; at most 200"):
        rules.check_tester_user_ids(ids)


# --- icon -----------------------------------------------------------------------------


def test_png_and_jpeg_icons_are_measured() -> None:
    assert rules.check_icon(png(48, 20), "image/png") == rules.IconInfo("image/png", 48, 20)
    assert rules.check_icon(jpeg(120, 80), "image/jpeg") == rules.IconInfo("image/jpeg", 120, 80)


@pytest.mark.parametrize("sof", [0xC0, 0xC1, 0xC2])  # baseline, extended, progressive
def test_jpeg_frame_kinds(sof: int) -> None:
    assert rules.check_icon(jpeg(10, 11, sof=sof), "image/jpeg").width == 10


def test_content_type_parameters_and_case_are_ignored() -> None:
    assert rules.check_icon(png(), "Image/PNG; charset=binary").content_type == "image/png"


def test_exactly_1_mb_is_accepted_one_byte_more_is_not() -> None:
    assert rules.check_icon(png_of_size(rules.MAX_ICON_BYTES), "image/png").width == 16
    with pytest.raises(ValidationFailed, match=r"larger than 1,048,576 bytes \(1 MB\)"):
        rules.check_icon(png_of_size(rules.MAX_ICON_BYTES + 1), "image/png")


def _truncated_ihdr() -> bytes:
    return PNG_SIGNATURE + png_chunk(b"IHDR", b"\x00" * 12)


def _png_with_bad_crc() -> bytes:
    data = bytearray(png())
    data[29] ^= 0xFF  # last byte of IHDR's CRC
    return bytes(data)


def _png_without_idat() -> bytes:
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")


def _png_header(width: int, height: int, depth: int, colour: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png()[33:]


def _jpeg_without_frame() -> bytes:
    return b"\xff\xd8" + jpeg_segment(0xE0, b"JFIF\x00") + b"\xff\xd9"


def _jpeg_with_long_segment() -> bytes:
    return b"\xff\xd8\xff\xe0\xff\xf0JFIF" + b"\xff\xd9"


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (png(), "image/gif", "Content-Type must be image/png or image/jpeg, not 'image/gif'"),
        (png(), "", "Content-Type must be image/png or image/jpeg, not 'missing'"),
        (b"", "image/png", "the icon is empty"),
        (b"GIF89a" + b"\x00" * 40, "image/png", "neither a PNG nor a JPEG"),
        (b"\x00\x01garbage garbage", "image/jpeg", "neither a PNG nor a JPEG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png", "neither a PNG nor a JPEG"),
        (png(), "image/jpeg", "Content-Type says image/jpeg but the bytes are image/png"),
        (jpeg(), "image/png", "Content-Type says image/png but the bytes are image/jpeg"),
        (PNG_SIGNATURE, "image/png", "PNG is truncated"),
        (PNG_SIGNATURE + b"garbage!" * 4, "image/png", "runs past the end"),
        (_truncated_ihdr(), "image/png", "does not start with a valid IHDR"),
        (_png_with_bad_crc(), "image/png", "bad CRC"),
        (png()[:-12], "image/png", "PNG is truncated (no IEND chunk)"),
        (png() + b"PK\x03\x04", "image/png", "4 bytes after its IEND chunk"),
        (_png_without_idat(), "image/png", "no image data"),
        (_png_header(0, 16, 8, 2), "image/png", "invalid size 0x16"),
        (_png_header(16, 16, 3, 2), "image/png", "colour type 2 with bit depth 3"),
        (b"\xff\xd8\xff" + b"\x00" * 30, "image/jpeg", "does not end with an EOI"),
        (_jpeg_without_frame(), "image/jpeg", "ends before a frame header"),
        (_jpeg_with_long_segment(), "image/jpeg", "bad length"),
        (jpeg(0, 10), "image/jpeg", "invalid size 0x10"),
        (b"\xff\xd8\xff\xda\x00\x02" + b"\xff\xd9", "image/jpeg", "no frame header (SOF)"),
        (b"\xff\xd8" + b"junk" * 8 + b"\xff\xd9", "image/jpeg", "neither a PNG nor a JPEG"),
        (b"\xff\xd8\xff\xe0\x00\x04ab" + b"zz" + b"\xff\xd9", "image/jpeg", "no marker"),
    ],
)
def test_bad_icons_are_refused(data: bytes, content_type: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_icon(data, content_type)
    assert message in caught.value.detail
    assert caught.value.detail.startswith("icon: ")
    assert caught.value.extra == {"field": "icon"}
