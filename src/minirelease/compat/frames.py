"""The wire between the job and the lab's child processes: each message is a 4-byte
big-endian length, then that many bytes of UTF-8 JSON. Requests go down the child's
stdin, answers come up its stdout. JSON, not pickle: the answering process handles
untrusted code, and reading its answer must never execute anything."""

from __future__ import annotations

import json
from typing import Any, BinaryIO, Final

# A request carries a package's scripts (a package is at most a few MiB zipped, its text
# some times that); anything longer is a broken peer, not a message.
MAX_FRAME_BYTES: Final = 256 * 1024 * 1024
_HEADER: Final = 4


class FrameError(Exception):
    """The stream broke off inside a message, or announced one too long to be real."""


def encode(message: Any) -> bytes:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(body) > MAX_FRAME_BYTES:
        raise FrameError(f"message of {len(body)} bytes is over {MAX_FRAME_BYTES}")
    return len(body).to_bytes(_HEADER, "big") + body


def read_frame(stream: BinaryIO) -> Any | None:
    """The next message, waiting for it; None when the stream ends between messages."""
    header = _read_exactly(stream, _HEADER, at_start=True)
    if header is None:
        return None
    size = _size(header)
    body = _read_exactly(stream, size, at_start=False)
    assert body is not None
    return _decode(body)


class FrameReader:
    """Messages from bytes as they arrive (the job reads with a deadline, so never blocks
    inside a message)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        self._buffer += data
        messages = []
        while len(self._buffer) >= _HEADER:
            size = _size(bytes(self._buffer[:_HEADER]))
            if len(self._buffer) < _HEADER + size:
                break
            messages.append(_decode(bytes(self._buffer[_HEADER : _HEADER + size])))
            del self._buffer[: _HEADER + size]
        return messages


def _size(header: bytes) -> int:
    size = int.from_bytes(header, "big")
    if size > MAX_FRAME_BYTES:
        raise FrameError(f"a message announced {size} bytes, over {MAX_FRAME_BYTES}")
    return size


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as error:  # UnicodeDecodeError is one too
        raise FrameError(f"a message is not JSON: {error}") from None


def _read_exactly(stream: BinaryIO, size: int, *, at_start: bool) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = stream.read(size - len(chunks))
        if not chunk:
            if at_start and not chunks:
                return None
            raise FrameError(f"the stream ended {len(chunks)} bytes into {size}")
        chunks += chunk
    return bytes(chunks)
