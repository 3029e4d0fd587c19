"""Passwords: argon2id hashes (argon2-cffi's RFC 9106 low-memory profile), never the
password itself. Verification costs the same for an unknown email as for a known one, so
timing does not tell which emails have accounts."""

from __future__ import annotations

import os
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from minirelease.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1024

# MINIRELEASE_PASSWORD_HASHING=cheapest is for test suites only: hashes made that way are
# replaced by strong ones at the next sign-in with the default (needs_rehash).
PROFILES = {"rfc9106-low-memory": RFC_9106_LOW_MEMORY, "cheapest": CHEAPEST}


@cache
def _hasher_for(profile: str) -> tuple[PasswordHasher, str]:
    """The hasher, and a hash verified against when the email has no password, so that
    an unknown email costs the same time as a wrong password."""
    hasher = PasswordHasher.from_parameters(PROFILES[profile])
    return hasher, hasher.hash("minirelease: no such account")


def _hasher() -> tuple[PasswordHasher, str]:
    # Read here, not from Settings (which validates and documents it): hashing happens
    # deep in sign-in code that is given no settings. Empty means unset, as everywhere.
    return _hasher_for(os.environ.get("MINIRELEASE_PASSWORD_HASHING") or "rfc9106-low-memory")


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"a password may have at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher()[0].hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``None`` (no password set) never matches."""
    hasher, dummy_hash = _hasher()
    try:
        hasher.verify(password_hash or dummy_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher()[0].check_needs_rehash(password_hash)
