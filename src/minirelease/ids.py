"""Opaque, time-sortable identifiers with a readable prefix (``ws_01j…``).

ULID-shaped: 48 bits of milliseconds then 80 random bits, monotonic within a process
(ids made in the same millisecond count up), so ordering by id is ordering by creation."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RANDOM_BITS = 80

_lock = threading.Lock()
_last = 0


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _next_value() -> int:
    global _last
    fresh = (time.time_ns() // 1_000_000) << _RANDOM_BITS | int.from_bytes(os.urandom(10), "big")
    with _lock:
        # Same millisecond (or a clock step back): continue from the last id instead.
        _last = fresh if fresh >> _RANDOM_BITS > _last >> _RANDOM_BITS else _last + 1
        return _last


def new_id(prefix: str) -> str:
    return f"{prefix}_{_encode(_next_value(), 26)}"
