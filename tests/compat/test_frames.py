"""The wire to engine processes: whole messages in, whole messages out, and a clear error
for a stream that breaks off or announces a message no real peer would send."""

from __future__ import annotations

import io

import pytest

from minirelease.compat.frames import (
    MAX_FRAME_BYTES,
    FrameError,
    FrameReader,
    encode,
    read_frame,
)


def test_messages_round_trip_through_a_stream_and_end_cleanly() -> None:
    messages = [{"run": {"events": []}}, {"text": "中文 ✓"}, [1, 2.5, None, True]]
    stream = io.BytesIO(b"".join(encode(message) for message in messages))
    assert [read_frame(stream) for _ in messages] == messages
    assert read_frame(stream) is None


def test_the_reader_assembles_messages_from_any_split_of_the_bytes() -> None:
    data = encode({"a": 1}) + encode({"b": "x" * 1000})
    for split in (1, 3, 7, 500, len(data)):
        reader = FrameReader()
        got = []
        for start in range(0, len(data), split):
            got += reader.feed(data[start : start + split])
        assert got == [{"a": 1}, {"b": "x" * 1000}]


def test_a_stream_ending_inside_a_message_is_an_error() -> None:
    with pytest.raises(FrameError, match="ended 3 bytes into"):
        read_frame(io.BytesIO(encode({"a": 1})[:7]))


def test_an_oversized_announcement_is_refused_before_reading_it() -> None:
    header = (MAX_FRAME_BYTES + 1).to_bytes(4, "big")
    with pytest.raises(FrameError, match="announced"):
        FrameReader().feed(header)


def test_a_body_that_is_not_json_is_an_error() -> None:
    with pytest.raises(FrameError, match="not JSON"):
        FrameReader().feed((3).to_bytes(4, "big") + b"\xff{]")
