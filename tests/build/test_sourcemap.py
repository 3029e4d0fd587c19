"""Base64 VLQ and the mappings field, against values worked out from the Source Map v3
specification (ECMA-426)."""

from __future__ import annotations

import json

import pytest

from minirelease.build.sourcemap import Segment, encode_mappings, encode_vlq, source_map_document


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "A"),
        (1, "C"),
        (-1, "D"),
        (15, "e"),
        (-15, "f"),
        (16, "gB"),  # the first value that needs a second digit
        (-16, "hB"),
        (1000, "w+B"),
        (123456789, "qxmvrH"),
    ],
)
def test_vlq(value: int, encoded: str) -> None:
    assert encode_vlq(value) == encoded


def test_mappings_are_relative_within_and_across_lines() -> None:
    segments = [
        Segment(0, 0, 0, 0),
        Segment(0, 4, 0, 6),
        Segment(0, 9, 2, 2),
        # Line 1 has no segment; columns restart on each generated line, the original
        # line and column carry on from the previous segment.
        Segment(2, 3, 3, 0),
        Segment(2, 5, 1, 4),
    ]
    assert encode_mappings(segments) == "AAAA,IAAM,KAEJ;;GACF,EAFI"
    assert encode_mappings([]) == ""


def test_segments_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="out of generated order"):
        encode_mappings([Segment(1, 0, 0, 0), Segment(0, 5, 0, 0)])


def test_document_embeds_the_source() -> None:
    document = json.loads(source_map_document("a.js", "var é = 1", [Segment(0, 0, 0, 0)]))
    assert document == {
        "version": 3,
        "file": "a.js",
        "sources": ["a.js"],
        "sourcesContent": ["var é = 1"],
        "names": [],
        "mappings": "AAAA",
    }
