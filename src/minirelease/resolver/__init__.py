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

    # Or, cheaper, only what changed since the serial in use (a signed delta; the server
    # answers the full manifest instead when it no longer holds that history, and
    # apply_delta takes either):
    url = f"{BASE}/api/v1/partner-apps/wallet/manifest?since={resolver.serial}"
    try:
        resolver = resolver.apply_delta(urllib.request.urlopen(url).read(), KEYS)
    except DeltaInvalid:
        ...  # a delta from another serial (a gap): fetch the full manifest, without since

    # A backend that serves one mini program takes that program's manifest alone (its serial
    # and weak ETag move only when that program's entry does; no deltas):
    url = f"{BASE}/api/v1/partner-apps/wallet/mini-programs/2021000000000001/manifest"
    one = Resolver.from_envelope(urllib.request.urlopen(url).read(), KEYS,
                                 partner_app="wallet", app_id="2021000000000001")

A single pinned key (``public_key`` of ``/signing-key``) still works in place of ``KEYS``,
until the platform rotates its key. A manifest that fails verification raises
``SignatureInvalid`` (an unknown or retired key, changed content) or ``ManifestInvalid``
(malformed, another partner app, ``StaleManifest``): keep the resolver you have.
``resolve_many(app_id, user_ids)`` decides a batch. A delta is verified with the same
code and key as a manifest, applies only to the manifest of the serial it starts from, and
its result is checked as a full manifest is (``load_update``, ``apply_delta`` in delta.py);
an SDK that never sends ``since`` keeps getting full manifests.

One mini program's manifest is the partner app's restricted to it, in the same shape and
envelope, and names it: ``"mini_program": app_id``. ``from_envelope(..., app_id=...)``
(``load_manifest``'s ``app_id``) takes exactly that program's and refuses another's or a
partner app's whole manifest; without ``app_id``, a program's manifest is refused, so
neither is ever taken for the other (``check_scope``). Its resolver answers for that
program alone (``NotReleased`` for any other).

Manifests are signed over RFC 8785 (JCS) and say so (``"canonicalization": "jcs"``). An
envelope without that field, signed by a server before JCS over Python's sorted-keys JSON,
is still accepted during the change, until a release whose notes say it no longer is."""

from __future__ import annotations

from .bucketing import BUCKETS, basis_points, bucket, in_grayscale
from .decide import Channel, Decision, Package
from .delta import ManifestDelta, apply_delta, load_delta, load_update
from .errors import (
    DeltaInvalid,
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
    "DeltaInvalid",
    "KeyInvalid",
    "KeyRing",
    "KeySet",
    "KeySource",
    "Manifest",
    "ManifestDelta",
    "ManifestInvalid",
    "NotReleased",
    "Package",
    "Removed",
    "Resolver",
    "ResolverError",
    "SignatureInvalid",
    "StaleManifest",
    "apply_delta",
    "basis_points",
    "bucket",
    "in_grayscale",
    "key_id",
    "load_delta",
    "load_manifest",
    "load_public_key",
    "load_update",
    "verify_package",
]
