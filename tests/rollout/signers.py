"""A stand-in manifest signer for cache tests: signs with a digest and counts signatures,
so a test shows how many times a manifest was built and signed."""

from __future__ import annotations

import hashlib


class CountingSigner:
    def __init__(self, key_id: str = "k1") -> None:
        self.key_id = key_id
        self.signed = 0

    def sign(self, data: bytes) -> str:
        self.signed += 1
        return hashlib.sha256(data).hexdigest()
