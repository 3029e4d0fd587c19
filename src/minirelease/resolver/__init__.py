"""minirelease's resolver SDK: a partner app's backend verifies its signed rollout
manifest and decides launches locally, with exactly the server's answers.

It imports only the standard library, ``cryptography`` (Ed25519) and ``mmh3`` (>= 5), and
its modules import one another relatively, so it can be vendored on its own: copy this
folder into your code base under any package name. Usage::

    import urllib.request
    from minirelease.resolver import NotReleased, Removed, Resolver

    BASE = "https://release.example.com"
    KEY = "...public_key of GET /api/v1/signing-key, fetched once and pinned..."

    body = urllib.request.urlopen(f"{BASE}/api/v1/partner-apps/wallet/manifest").read()
    resolver = Resolver.from_envelope(body, KEY, partner_app="wallet", base_url=BASE)

    try:
        decision = resolver.resolve("2021000000000001", user_id)
    except (NotReleased, Removed) as refusal:
        ...  # the server would answer 404 not_released / 410 removed
    else:
        decision.channel          # Channel.ONLINE | GRAYSCALE | PILOT
        decision.version, decision.release_id
        decision.package.url, decision.package.sha256, decision.package.size

    # Later, with If-None-Match for the ETag; refuse anything older than what is in use:
    resolver = Resolver.from_envelope(newer, KEY, partner_app="wallet", base_url=BASE,
                                      min_serial=resolver.serial)

A manifest that fails verification raises ``SignatureInvalid`` (wrong key, changed
content) or ``ManifestInvalid`` (malformed, another partner app, ``StaleManifest``): keep
the resolver you have. ``resolve_many(app_id, user_ids)`` decides a batch."""

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
from .local import Resolver
from .manifest import Manifest, load_manifest
from .signature import key_id, load_public_key

__all__ = [
    "BUCKETS",
    "Channel",
    "Decision",
    "KeyInvalid",
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
]
