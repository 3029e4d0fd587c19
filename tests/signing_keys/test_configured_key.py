"""Where a process's signing key comes from: ``MINIRELEASE_SIGNING_KEY`` (PEM),
``MINIRELEASE_SIGNING_KEY_FILE`` (a path; never both), or the data directory; and the public
key ``minirelease keys rotate`` reads from a private or a public PEM file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minirelease.build.signing import (
    KEY_FILE_NAME,
    Signer,
    SigningKeyError,
    load_or_create_signing_key,
    public_key_from_pem,
)
from minirelease.config import load_settings
from minirelease.signing_keys.startup import load_signer


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_the_key_file_of_the_settings_is_used(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    settings = load_settings(
        {
            "MINIRELEASE_DATA_DIR": str(tmp_path / "data"),
            "MINIRELEASE_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
        }
    )
    assert settings.signing_key_file == tmp_path / "key.pem"
    assert load_signer(settings).key_id == Signer(key).key_id
    assert not (tmp_path / "data" / KEY_FILE_NAME).exists()  # none made in the data directory


def test_both_ways_at_once_or_a_missing_file_are_refused(tmp_path: Path) -> None:
    pem = private_pem(Ed25519PrivateKey.generate())
    (tmp_path / "key.pem").write_bytes(pem)
    with pytest.raises(SigningKeyError, match="set one"):
        load_or_create_signing_key(tmp_path, pem.decode(), tmp_path / "key.pem")
    with pytest.raises(SigningKeyError, match=r"missing\.pem \(MINIRELEASE_SIGNING_KEY_FILE\)"):
        load_or_create_signing_key(tmp_path, None, tmp_path / "missing.pem")
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(SigningKeyError, match="cannot be read"):
        load_or_create_signing_key(tmp_path, None, tmp_path / "junk.pem")


def test_rotation_reads_the_public_key_from_a_private_or_public_pem() -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public_key_from_pem(private_pem(key), "f") == raw
    assert public_key_from_pem(public_pem, "f") == raw
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    other_pem = other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(SigningKeyError, match="not an Ed25519 key"):
        public_key_from_pem(other_pem, "f")
    with pytest.raises(SigningKeyError, match="cannot be read"):
        public_key_from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "f")
