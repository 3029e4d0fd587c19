"""Grayscale bucketing (design §6, normative). Pure: no I/O, no clock, no state. This is
the one implementation: the server (``minirelease.rollout.bucketing``) re-exports it.

    bucket(release_id, user_id) = murmur3_x86_32(utf8(release_id + ":" + user_id), seed=0) mod 10000
    the user gets the grayscale version  <=>  bucket < basis points (percentage x 100)

The release id salts the hash, so every release draws a fresh cohort; raising the
percentage only adds buckets, so nobody who had the new version loses it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

# murmur3_x86_32 of a byte string, seed 0, as an unsigned int: the bucket of an already
# encoded key is ``key_hash(key) % BUCKETS``. A C function, called without a Python frame
# in between, because the resolver's hot path calls it once per decision.
from mmh3 import mmh3_32_uintdigest as key_hash

BUCKETS: Final = 10_000

__all__ = ["BUCKETS", "basis_points", "bucket", "in_grayscale", "key_hash", "percentage"]


def bucket(release_id: str, user_id: str) -> int:
    return key_hash(f"{release_id}:{user_id}".encode()) % BUCKETS


def in_grayscale(release_id: str, user_id: str, basis_points: int) -> bool:
    return bucket(release_id, user_id) < basis_points


def basis_points(percentage: str | int | float | Decimal) -> int:
    """Percentage (0.01 … 100, steps of 0.01) to basis points (1 … 10000), exactly."""
    try:
        value = Decimal(str(percentage))
    except InvalidOperation:
        raise ValueError(f"percentage must be a number, got {percentage!r}") from None
    if not value.is_finite() or not Decimal("0.01") <= value <= Decimal(100):
        raise ValueError(f"percentage must be between 0.01 and 100, got {percentage}")
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"percentage must be in steps of 0.01, got {percentage}")
    return int(scaled)


def percentage(points: int) -> float:
    return points / 100
