"""The platform signing key: created once, kept private, reloaded, or configured."""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from minirelease.build import signing
from minirelease.build.signing import (
    KEY_FILE_NAME,
    Signer,
    SigningKeyError,
    load_or_create_signing_key,
    verify,
)


def pem_of(key: Ed25519PrivateKey | rsa.RSAPrivateKey, password: bytes | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def test_first_start_creates_a_private_key_file_that_later_starts_reuse(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    created = load_or_create_signing_key(data_dir)
    path = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    reloaded = load_or_create_signing_key(data_dir)
    assert reloaded.key_id == created.key_id
    assert reloaded.public_key_raw_b64() == created.public_key_raw_b64()
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE_NAME]  # no temporary files left


def test_racing_starts_end_with_one_key(tmp_path: Path) -> None:
    barrier = threading.Barrier(8)
    key_ids: list[str] = []

    def start() -> None:
        barrier.wait()
        key_ids.append(load_or_create_signing_key(tmp_path).key_id)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    on_disk = load_or_create_signing_key(tmp_path).key_id
    assert key_ids == [on_disk] * 8
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE_NAME]


def test_a_process_losing_the_race_uses_the_winners_key(tmp_path: Path) -> None:
    winner = load_or_create_signing_key(tmp_path)
    # What a slower process does once it has generated its own candidate.
    loser = Signer(signing._create_key_file(tmp_path / KEY_FILE_NAME))
    assert loser.key_id == winner.key_id
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE_NAME]


def test_a_configured_key_wins_over_the_data_directory(tmp_path: Path) -> None:
    stored = load_or_create_signing_key(tmp_path)
    configured_key = Ed25519PrivateKey.generate()
    configured = load_or_create_signing_key(tmp_path, pem_of(configured_key))
    assert configured.key_id != stored.key_id
    assert configured.public_key_raw_b64() == Signer(configured_key).public_key_raw_b64()
    fresh = tmp_path / "fresh"
    load_or_create_signing_key(fresh, pem_of(configured_key))
    assert not (fresh / KEY_FILE_NAME).exists()  # a configured key is never written to disk


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "cannot be read"),
        (b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", "cannot be read"),
        (pem_of(rsa.generate_private_key(65537, 2048)).encode(), "not Ed25519"),
        (pem_of(Ed25519PrivateKey.generate(), b"secret").encode(), "password-protected"),
    ],
    ids=["empty", "corrupt", "rsa", "encrypted"],
)
def test_an_unusable_key_file_is_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_bytes(content)
    with pytest.raises(SigningKeyError, match=message) as caught:
        load_or_create_signing_key(tmp_path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content  # never silently replaced


def test_an_unusable_configured_key_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match=r"MINIRELEASE_SIGNING_KEY cannot be read"):
        load_or_create_signing_key(tmp_path, "not a pem")


def test_signer_public_forms_and_key_id() -> None:
    key = Ed25519PrivateKey.generate()
    signer = Signer(key)
    raw = key.public_key().public_bytes_raw()
    assert base64.b64decode(signer.public_key_raw_b64()) == raw
    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16]
    loaded = serialization.load_pem_public_key(signer.public_key_pem().encode())
    assert isinstance(loaded, Ed25519PublicKey)
    assert loaded.public_bytes_raw() == raw


def test_verify() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    signature = signer.sign(b"manifest bytes")
    public = signer.public_key_raw_b64()
    assert verify(public, b"manifest bytes", signature)
    assert not verify(public, b"manifest bytes!", signature)
    assert not verify(Signer(Ed25519PrivateKey.generate()).public_key_raw_b64(), b"m", signature)
    assert not verify(public, b"manifest bytes", "not base64!")
    assert not verify(public, b"manifest bytes", base64.b64encode(b"short").decode())
    assert not verify("AAAA", b"manifest bytes", signature)  # a key of the wrong length
