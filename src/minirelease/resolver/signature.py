"""Checking a signed manifest envelope against the platform's Ed25519 public key.

The envelope (GET /api/v1/partner-apps/{code}/manifest) is

    {"manifest": M, "signature": base64(Ed25519(canonical_json(M))),
     "key_id": "...", "algorithm": "Ed25519"}

The signature covers the manifest's *value*: it is checked against the canonical JSON
re-encoding of the parsed ``manifest``, so an envelope that a proxy or a cache pretty-printed,
re-ordered or re-escaped still verifies, while any change to a value does not. Numbers must
be integers and keys unique, as the server writes them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canonical import canonical_json
from .errors import KeyInvalid, ManifestInvalid, SignatureInvalid

ALGORITHM: Final = "Ed25519"
KEY_ID_HEX_CHARS: Final = 16
RAW_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64

PublicKeyLike = Ed25519PublicKey | bytes | str


def key_id(public_key_raw: bytes) -> str:
    """The platform's name for a key: the first 16 hex digits of SHA-256 of its raw bytes."""
    return hashlib.sha256(public_key_raw).hexdigest()[:KEY_ID_HEX_CHARS]


def load_public_key(key: PublicKeyLike) -> Ed25519PublicKey:
    """An Ed25519 public key from what GET /api/v1/signing-key publishes: ``public_key``
    (base64 of the raw 32 bytes) or ``public_key_pem``; raw 32 bytes or a key object also do."""
    if isinstance(key, Ed25519PublicKey):
        return key
    text = key.decode("ascii", "replace") if isinstance(key, bytes) else key
    if text.lstrip().startswith("-----BEGIN"):
        return _from_pem(text)
    if isinstance(key, bytes):
        raw = key
    else:
        try:
            raw = base64.b64decode(key.strip(), validate=True)
        except binascii.Error:
            raise KeyInvalid("public key is neither PEM nor base64 of 32 raw bytes") from None
    if len(raw) != RAW_KEY_BYTES:
        raise KeyInvalid(f"a raw Ed25519 public key has 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def _from_pem(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm):
        raise KeyInvalid("public key PEM cannot be read") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyInvalid(f"public key is a {type(key).__name__}, not Ed25519")
    return key


def parse_envelope(body: bytes | str) -> dict[str, Any]:
    """The envelope as JSON, refusing what has no canonical form (floats, NaN, duplicate
    keys) and what is not an object. Raises ``ManifestInvalid``."""
    try:
        envelope = json.loads(
            body,
            object_pairs_hook=_unique_keys,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise ManifestInvalid(f"manifest is not valid JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise ManifestInvalid("manifest envelope must be a JSON object")
    return envelope


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key in an object")
    return result


def _no_float(text: str) -> Any:
    raise ValueError(f"non-integer number {text}")


def verify_envelope(envelope: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The signed manifest of ``envelope`` once its signature checks out with
    ``public_key``. Raises ``ManifestInvalid`` for a malformed envelope and
    ``SignatureInvalid`` for another algorithm, another key or a bad signature."""
    manifest = envelope.get("manifest")
    if not isinstance(manifest, dict):
        raise ManifestInvalid("envelope field 'manifest' must be an object")
    signature = _string_field(envelope, "signature")
    claimed_key = _string_field(envelope, "key_id")
    algorithm = _string_field(envelope, "algorithm")
    if algorithm != ALGORITHM:
        raise SignatureInvalid(f"manifest is signed with {algorithm!r}; only Ed25519 is trusted")
    trusted = key_id(public_key.public_bytes_raw())
    if claimed_key != trusted:
        raise SignatureInvalid(
            f"manifest is signed with key {claimed_key!r}, this resolver trusts key {trusted!r}"
        )
    try:
        signed = canonical_json(manifest)
    except UnicodeEncodeError:  # an unpaired surrogate: not text, so nothing signed it
        raise ManifestInvalid("manifest holds a string that is not valid Unicode") from None
    try:
        public_key.verify(_signature_bytes(signature), signed)
    except InvalidSignature:
        raise SignatureInvalid("manifest signature does not match its content") from None
    return manifest


def _string_field(envelope: dict[str, Any], name: str) -> str:
    value = envelope.get(name)
    if not isinstance(value, str):
        raise ManifestInvalid(f"envelope field {name!r} must be a string")
    return value


def _signature_bytes(signature: str) -> bytes:
    # Only the one base64 spelling of 64 bytes: otherwise unused trailing bits would let
    # several strings stand for the same signature.
    try:
        raw = base64.b64decode(signature, validate=True)
    except binascii.Error:
        raise SignatureInvalid("manifest signature is not base64") from None
    if len(raw) != SIGNATURE_BYTES or base64.b64encode(raw).decode("ascii") != signature:
        raise SignatureInvalid("manifest signature is not the base64 of 64 bytes")
    return raw
