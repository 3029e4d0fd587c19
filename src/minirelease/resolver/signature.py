"""Checking a signed manifest envelope against the platform's Ed25519 public key.

The envelope (GET /api/v1/partner-apps/{code}/manifest) is

    {"manifest": M, "signature": base64(Ed25519(jcs_json(M))),
     "canonicalization": "jcs", "key_id": "...", "algorithm": "Ed25519"}

The signature covers the manifest's *value*: it is checked against the canonical
re-encoding of the parsed ``manifest``, so an envelope that a proxy or a cache pretty-printed,
re-ordered or re-escaped still verifies, while any change to a value does not. Numbers must
be integers and keys unique, as the server writes them.

``canonicalization`` names the encoding signed: ``"jcs"`` (RFC 8785, what servers sign
since issue 13, and what SDKs in other languages verify). An envelope without the field was
signed by an earlier server over ``canonical_json(M)`` (Python's sorted-keys form): it is
still accepted during the change, until a release whose notes say it no longer is. Which
form an envelope names cannot be abused: the signature covers one byte string, and both
encodings parse back to the one value the signer encoded."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .canonical import (
    JCS,
    CanonicalizationError,
    IntegerDomainError,
    canonical_json,
    jcs_json,
)
from .errors import KeyInvalid, ManifestInvalid, SignatureInvalid

ALGORITHM: Final = "Ed25519"
KEY_ID_HEX_CHARS: Final = 16
RAW_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
LEGACY_FIELDS: Final = frozenset({"manifest", "signature", "key_id", "algorithm"})

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
    signed = signed_bytes(manifest, _canonicalization(envelope))
    try:
        public_key.verify(_signature_bytes(signature), signed)
    except InvalidSignature:
        raise SignatureInvalid("manifest signature does not match its content") from None
    return manifest


def signed_bytes(manifest: dict[str, Any], canonicalization: str | None) -> bytes:
    """The bytes the signature of an envelope naming ``canonicalization`` covers (None: the
    field is absent, the form signed before JCS). Raises ``ManifestInvalid`` for a value
    the form cannot encode and ``SignatureInvalid`` for a form this SDK does not know."""
    try:
        if canonicalization == JCS:
            return jcs_json(manifest)
        if canonicalization is None:
            return canonical_json(manifest)
    except IntegerDomainError as exc:  # a number JavaScript cannot hold: nothing signed it
        raise ManifestInvalid(f"manifest holds an integer JCS cannot encode: {exc}") from None
    except (UnicodeEncodeError, CanonicalizationError):  # an unpaired surrogate: not text
        raise ManifestInvalid("manifest holds a string that is not valid Unicode") from None
    raise SignatureInvalid(
        f"manifest is signed over the {canonicalization!r} canonicalization; "
        f"this resolver knows {JCS!r} (and, during the change, envelopes without one)"
    )


def _canonicalization(envelope: dict[str, Any]) -> str | None:
    if "canonicalization" in envelope:
        return _string_field(envelope, "canonicalization")
    # An envelope of a server before JCS has exactly these fields: one with others (say,
    # "canonicalization" with a changed letter) is not one, so that no byte of the
    # envelope is free to change.
    if set(envelope) != LEGACY_FIELDS:
        extra = ", ".join(sorted(set(envelope) - LEGACY_FIELDS)) or "none"
        raise ManifestInvalid(
            f"envelope has no 'canonicalization' and is not one signed before JCS "
            f"(fields not in one: {extra})"
        )
    return None


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
