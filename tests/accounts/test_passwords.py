"""Password hashes: argon2id with RFC 9106's low-memory parameters by default."""

from __future__ import annotations

import pytest

from minirelease.accounts import passwords
from minirelease.errors import ValidationFailed


def test_default_hashes_are_argon2id_with_rfc_9106_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MINIRELEASE_PASSWORD_HASHING")
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "correct horse" not in hashed
    assert passwords.verify(hashed, "correct horse battery")
    assert not passwords.verify(hashed, "correct horse batterY")
    assert not passwords.needs_rehash(hashed)


def test_cheap_test_hashes_are_replaced_by_strong_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIRELEASE_PASSWORD_HASHING", "cheapest")
    cheap = passwords.hash_password("correct horse battery")
    monkeypatch.delenv("MINIRELEASE_PASSWORD_HASHING")
    assert passwords.verify(cheap, "correct horse battery")
    assert passwords.needs_rehash(cheap)


def test_no_password_never_matches() -> None:
    assert not passwords.verify(None, "")
    assert not passwords.verify(None, "minirelease: no such account")
    assert not passwords.verify("not a hash", "anything at all")


@pytest.mark.parametrize("password", ["short", "x" * 1025])
def test_policy(password: str) -> None:
    with pytest.raises(ValidationFailed):
        passwords.hash_password(password)
