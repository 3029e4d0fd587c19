"""Source Map v3 documents (ECMA-426): segments, their base64 VLQ encoding, the JSON.

Lines and columns are 0-based; columns count UTF-16 code units, as JavaScript strings and
the browsers' developer tools do."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

_BASE64: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VLQ_SHIFT: Final = 5
_VLQ_CONTINUATION: Final = 1 << _VLQ_SHIFT
_VLQ_DIGIT_MASK: Final = _VLQ_CONTINUATION - 1


@dataclass(frozen=True, slots=True)
class Segment:
    """A generated position and the position of the original source it came from (the
    map has a single source, so the source index is always 0)."""

    generated_line: int
    generated_column: int
    original_line: int
    original_column: int


def encode_vlq(value: int) -> str:
    """One signed integer in base64 VLQ: the sign in the lowest bit, then 5 bits per digit,
    least significant first, each digit but the last flagged with the continuation bit."""
    rest = (-value << 1) | 1 if value < 0 else value << 1
    digits = []
    while True:
        digit = rest & _VLQ_DIGIT_MASK
        rest >>= _VLQ_SHIFT
        if rest:
            digit |= _VLQ_CONTINUATION
        digits.append(_BASE64[digit])
        if not rest:
            return "".join(digits)


def encode_mappings(segments: Iterable[Segment]) -> str:
    """The ``mappings`` field: generated lines separated by ``;``, segments by ``,``, each
    field relative to the previous segment's (the generated column only within its line).
    ``segments`` must come in generated order."""
    lines: list[str] = []
    current: list[str] = []
    line = column = original_line = original_column = 0
    for segment in segments:
        if segment.generated_line < line or (
            segment.generated_line == line and segment.generated_column < column
        ):
            raise ValueError(f"segment out of generated order: {segment}")
        while line < segment.generated_line:
            lines.append(",".join(current))
            current, line, column = [], line + 1, 0
        current.append(
            encode_vlq(segment.generated_column - column)
            + encode_vlq(0)  # the one source
            + encode_vlq(segment.original_line - original_line)
            + encode_vlq(segment.original_column - original_column)
        )
        column = segment.generated_column
        original_line, original_column = segment.original_line, segment.original_column
    lines.append(",".join(current))
    return ";".join(lines)


def source_map_document(name: str, original: str, segments: Iterable[Segment]) -> bytes:
    """The map of the generated file ``name``, which sits beside it; the original source is
    embedded under the same name (the package ships only the minified file)."""
    document = {
        "version": 3,
        "file": name,
        "sources": [name],
        "sourcesContent": [original],
        "names": [],
        "mappings": encode_mappings(segments),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
