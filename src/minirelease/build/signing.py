"""The platform's Ed25519 signing key (design §4): packages' manifests are signed with it and
partner apps verify with the public key served at ``GET /signing-key``.

The key is either configured (``MINIRELEASE_SIGNING_KEY``, a PEM PKCS#8 private key, or
``MINIRELEASE_SIGNING_KEY_FILE``, the path of one: what production uses, so that every process
has the same key) or kept in the data directory, created on first start (the embedded
default). Which key is in use is recorded in the database (``minirelease.signing_keys``).

Creation is safe against several processes starting at once: each writes a complete
candidate to a private temporary file and hard-links it into place; ``link`` never replaces
an existing file, so exactly one candidate wins and the others load it. Readers therefore
never see a half-written key."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from minirelease.resolver.signature import key_id

KEY_FILE_NAME: Final = "signing_key.pem"


class SigningKeyError(Exception):
    """The configured or stored key cannot be used; the server must not start with it."""

    code = "signing_key_invalid"


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self._public_raw = private_key.public_key().public_bytes_raw()
        self.key_id: Final = key_id(self._public_raw)

    def sign(self, data: bytes) -> str:
        """The signature of ``data``, standard base64 with padding."""
        return base64.b64encode(self._private_key.sign(data)).decode("ascii")

    def public_key_pem(self) -> str:
        return public_key_pem(self._public_raw)

    def public_key_raw(self) -> bytes:
        return self._public_raw

    def public_key_raw_b64(self) -> str:
        return base64.b64encode(self._public_raw).decode("ascii")


def public_key_pem(public_key_raw: bytes) -> str:
    """The SubjectPublicKeyInfo PEM of a raw Ed25519 public key."""
    return (
        Ed25519PublicKey.from_public_bytes(public_key_raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def verify(public_key_raw_b64: str, data: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is a valid Ed25519 signature of ``data``. Malformed keys and
    signatures are simply not valid: a client checking a download wants yes or no."""
    try:
        public_key = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(public_key_raw_b64, validate=True)
        )
        public_key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def load_or_create_signing_key(
    data_dir: Path, configured_pem: str | None = None, configured_file: Path | None = None
) -> Signer:
    """The configured key: ``configured_pem`` (an empty value counts as unset) or the PEM file
    at ``configured_file``, never both; else ``data_dir/signing_key.pem``, created on first
    call. Raises ``SigningKeyError``."""
    pem_given = configured_pem is not None and bool(configured_pem.strip())
    if pem_given and configured_file is not None:
        raise SigningKeyError(
            "both MINIRELEASE_SIGNING_KEY and MINIRELEASE_SIGNING_KEY_FILE are set; set one"
        )
    if pem_given:
        assert configured_pem is not None
        return Signer(_parse_pem(configured_pem.encode("utf-8"), "MINIRELEASE_SIGNING_KEY"))
    if configured_file is not None:
        try:
            return Signer(_read_key_file(configured_file))
        except OSError as exc:
            raise SigningKeyError(
                f"signing key file {configured_file} (MINIRELEASE_SIGNING_KEY_FILE) cannot be "
                f"read: {exc.strerror or exc}"
            ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE_NAME
    try:
        return Signer(_read_key_file(path))
    except FileNotFoundError:
        return Signer(_create_key_file(path))


def public_key_from_pem(pem: bytes, source: str) -> bytes:
    """The raw 32 bytes of the Ed25519 public key in ``pem``: a private key (PKCS#8, its
    public half is taken) or a public key (SubjectPublicKeyInfo). Raises ``SigningKeyError``."""
    if b"PUBLIC KEY-----" in pem:
        try:
            public = serialization.load_pem_public_key(pem)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise SigningKeyError(f"public key from {source} cannot be read") from exc
        if not isinstance(public, Ed25519PublicKey):
            raise SigningKeyError(f"public key from {source} is not an Ed25519 key")
        return public.public_bytes_raw()
    return _parse_pem(pem, source).public_key().public_bytes_raw()


def _create_key_file(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # mkstemp creates the file with mode 0600, so the key is never readable by others.
    fd, candidate = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(candidate, path)
        except FileExistsError:
            # Another process created the key first: everyone uses that one.
            return _read_key_file(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(candidate)
    _fsync_directory(path.parent)
    return key


def _read_key_file(path: Path) -> Ed25519PrivateKey:
    return _parse_pem(path.read_bytes(), str(path))


def _parse_pem(pem: bytes, source: str) -> Ed25519PrivateKey:
    hint = "expected an unencrypted PEM PKCS#8 Ed25519 private key ('BEGIN PRIVATE KEY')"
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError as exc:  # the key is encrypted
        raise SigningKeyError(f"signing key from {source} is password-protected; {hint}") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(f"signing key from {source} cannot be read; {hint}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"signing key from {source} is a {type(key).__name__}, not Ed25519; {hint}"
        )
    return key


def _fsync_directory(directory: Path) -> None:
    # Makes the new link durable; some platforms cannot open directories, which is harmless.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
