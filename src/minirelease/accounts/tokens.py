"""API token secrets: random, shown once, stored only as a sha256 digest."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "mr_"


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
