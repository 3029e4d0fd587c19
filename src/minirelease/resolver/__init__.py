"""minirelease's resolver SDK: a partner app's backend verifies its signed rollout
manifest and decides launches locally, with exactly the server's answers.

It imports only the standard library, ``cryptography`` (Ed25519), ``mmh3`` (>= 5) and
``rfc8785`` (the JSON Canonicalization Scheme the signature covers), and its modules import
one another relatively, so it can be vendored on its own: copy this folder into your code
base under any package name. Node backends have ``sdk/js`` in the repository. Usage::

    import urllib.request
    from minirelease.resolver import KeyRing, NotReleased, Removed, Resolver

    BASE = "https://release.example.com"
    # The published keys, chosen by the key id each signature names; fetched again (once)
    # when a manifest names a key not yet known, after the platform rotated its key.
    KEYS = KeyRing(lambda: urllib.request.urlopen(f"{BASE}/api/v1/signing-key").read())

    body = urllib.request.urlopen(f"{BASE}/api/v1/partner-apps/wallet/manifest").read()
    resolver = Resolver.from_envelope(body, KEYS, partner_app="wallet", base_url=BASE)

    try:
        decision = resolver.resolve("2021000000000001", user_id)
    except (NotReleased, Removed) as refusal:
        ...  # the server would answer 404 not_released / 410 removed
    else:
        decision.channel          # Channel.ONLINE | GRAYSCALE | PILOT
        decision.version, decision.release_id
        decision.package.url, decision.package.sha256, decision.package.size
        # Downloaded, the package's manifest.json is checked with the key that signed it:
        verify_package(KEYS, manifest_json, decision.package.signature, decision.package.key_id)

    # Later, with If-None-Match for the ETag; refuse anything older than what is in use:
    resolver = Resolver.from_envelope(newer, KEYS, partner_app="wallet", base_url=BASE,
                                      min_serial=resolver.serial)

A single pinned key (``public_key`` of ``/signing-key``) still works in place of ``KEYS``,
until the platform rotates its key. A manifest that fails verification raises
``SignatureInvalid`` (an unknown or retired key, changed content) or ``ManifestInvalid``
(malformed, another partner app, ``StaleManifest``): keep the resolver you have.
``resolve_many(app_id, user_ids)`` decides a batch.

Manifests are signed over RFC 8785 (JCS) and say so (``"canonicalization": "jcs"``). An
envelope without that field, signed by a server before JCS over Python's sorted-keys JSON,
is still accepted during the change, until a release whose notes say it no longer is."""

from __future__ import annotations

from .bucketing import BUCKETS, basis_points, bucket, in_grayscale
from .decide import Channel, Decision, Package
from .errors import (
    KeyInvalid,
    ManifestInvalid,
    NotReleased,
    Removed,
    ResolverError,
    SignatureInvalid,
    StaleManifest,
)
from .keys import KeyRing, KeySet, KeySource, verify_package
from .local import Resolver
from .manifest import Manifest, load_manifest
from .signature import key_id, load_public_key

__all__ = [
    "BUCKETS",
    "Channel",
    "Decision",
    "KeyInvalid",
    "KeyRing",
    "KeySet",
    "KeySource",
    "Manifest",
    "ManifestInvalid",
    "NotReleased",
    "Package",
    "Removed",
    "Resolver",
    "ResolverError",
    "SignatureInvalid",
    "StaleManifest",
    "basis_points",
    "bucket",
    "in_grayscale",
    "key_id",
    "load_manifest",
    "load_public_key",
    "verify_package",
]
