"""The platform's published signing keys, chosen by key id (issue 11, item 3).

``GET /api/v1/signing-key`` answers the key the server signs with (``key_id``,
``public_key``: what older SDKs pin) and ``keys``: every key whose signatures are valid,
``active`` or ``previous`` (rotated out, still valid). Retired keys are no longer listed.

- ``KeySet``: one such document, parsed; a manifest is verified with the key its
  envelope's ``key_id`` names, and refused when that key is not listed.
- ``KeyRing``: a ``KeySet`` kept fresh through a fetch function: meeting a key id it does
  not know (a rotation happened), it fetches the document again, once, before refusing; and
  it fetches it again once it is older than ``max_age`` seconds, so that a key retired
  since is no longer trusted (``refresh()`` does it at once)."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import KeyInvalid, SignatureInvalid
from .signature import RAW_KEY_BYTES, key_id

VALID_STATUSES: Final = ("active", "previous")


@runtime_checkable
class KeySource(Protocol):
    def key_for(self, kid: str) -> Ed25519PublicKey:
        """The trusted public key named ``kid``. Raises ``SignatureInvalid``."""
        ...


class KeySet:
    """The keys of one ``/signing-key`` document, by key id. Immutable."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey], active: str | None = None) -> None:
        self._keys = dict(keys)
        self.active = active

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    @classmethod
    def from_document(cls, document: bytes | str | Mapping[str, Any]) -> KeySet:
        """Parse what ``GET /signing-key`` answers. A document without ``keys`` (a server
        before key rotation) gives its single key. Each key's id is computed from the key
        itself and must match the id it is listed under. Raises ``KeyInvalid``."""
        data = _json_object(document)
        listed = data.get("keys")
        if listed is None:
            single = _public_key(data)
            kid = key_id(single.public_bytes_raw())
            return cls({kid: single}, active=kid)
        if not isinstance(listed, list):
            raise KeyInvalid("signing-key document: 'keys' must be a list")
        keys: dict[str, Ed25519PublicKey] = {}
        active = None
        for entry in listed:
            if not isinstance(entry, dict) or entry.get("algorithm", "Ed25519") != "Ed25519":
                continue  # a kind of key this SDK does not know is not trusted
            if entry.get("status") not in VALID_STATUSES:
                continue
            public = _public_key(entry)
            kid = key_id(public.public_bytes_raw())
            if entry.get("key_id") != kid:
                raise KeyInvalid(f"signing-key document lists key {kid} as {entry.get('key_id')!r}")
            keys[kid] = public
            if entry.get("status") == "active":
                active = kid
        return cls(keys, active=active)

    def get(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)

    def key_for(self, kid: str) -> Ed25519PublicKey:
        key = self._keys.get(kid)
        if key is None:
            raise SignatureInvalid(
                f"signed with key {kid!r}, which is not a published signing key (unknown or "
                f"retired); trusted keys: {', '.join(sorted(self._keys)) or 'none'}"
            )
        return key


def verify_package(keys: KeySource, manifest_json: bytes, signature: str, kid: str) -> None:
    """Check a downloaded package: ``manifest_json`` is its ``manifest.json`` entry, and
    ``signature`` and ``kid`` the ``signature`` and ``key_id`` of its launch answer or
    manifest entry (a ``Decision.package``). Raises ``SignatureInvalid``."""
    public_key = keys.key_for(kid)
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, manifest_json)
    except (binascii.Error, ValueError, InvalidSignature):
        raise SignatureInvalid(f"package signature does not match key {kid!r}") from None


class KeyRing:
    """A ``KeySet`` refreshed through ``fetch`` (returns the ``/signing-key`` body): loaded
    on first use, again when older than ``max_age`` seconds, and again, once per call, when
    a signature names a key it does not know. A failed fetch raises (``fetch``'s error, or
    ``KeyInvalid``) and keeps the keys held. Safe to share between threads."""

    def __init__(self, fetch: Callable[[], bytes | str], *, max_age: float = 300.0) -> None:
        self._fetch = fetch
        self._max_age = max_age
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    @property
    def keys(self) -> KeySet:
        keys = self._keys
        if keys is None or time.monotonic() - self._fetched_at >= self._max_age:
            return self.refresh()
        return keys

    def refresh(self) -> KeySet:
        with self._lock:
            keys = KeySet.from_document(self._fetch())
            self._keys, self._fetched_at = keys, time.monotonic()
            return keys

    def key_for(self, kid: str) -> Ed25519PublicKey:
        known = self.keys
        key = known.get(kid)
        if key is not None:
            return key
        return self.refresh().key_for(kid)


def _json_object(document: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(document, Mapping):
        return document
    try:
        data = json.loads(document)
    except (ValueError, RecursionError) as exc:
        raise KeyInvalid(f"signing-key document is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise KeyInvalid("signing-key document must be a JSON object")
    return data


def _public_key(entry: Mapping[str, Any]) -> Ed25519PublicKey:
    value = entry.get("public_key")
    if not isinstance(value, str):
        raise KeyInvalid("signing-key document: 'public_key' must be a string")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise KeyInvalid("signing-key document: 'public_key' is not base64") from None
    if len(raw) != RAW_KEY_BYTES:
        raise KeyInvalid(f"a raw Ed25519 public key has 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)
