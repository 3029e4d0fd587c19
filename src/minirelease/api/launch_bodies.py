"""Launch answers, encoded once: every user who gets the same package of the same mini
program through the same channel gets the same bytes, so the hot path is a dictionary
lookup instead of building and encoding JSON per request.

Keyed by everything the answer holds: the pair, the channel, the package (a frozen value:
release, version, digest, size, signature, key) and the base URL the request came in on
(the package URL is absolute). Not by the rollout snapshot: while rollout changes stream
in (a hundred a second), each new snapshot keeps the packages of the pairs it did not
touch, and their answers stay encoded. The base URL comes from the client's Host header
and old packages stay behind, so the table is bounded: past ``MAX_ENTRIES`` it starts
again rather than grow."""

from __future__ import annotations

import json
from typing import Final

from minirelease.rollout.resolve import Decision, Package

MAX_ENTRIES: Final = 100_000

Key = tuple[str, str, str, Package, str]  # partner app, app id, channel, package, base URL


class LaunchBodies:
    def __init__(self) -> None:
        self._bodies: dict[Key, bytes] = {}

    def __len__(self) -> int:
        return len(self._bodies)

    def body(
        self,
        *,
        partner_app: str,
        app_id: str,
        decision: Decision,
        base_url: str,
        packages_path: str,
    ) -> bytes:
        if len(self._bodies) >= MAX_ENTRIES:
            # Swap in a new table rather than clear the one another request may be reading.
            self._bodies = {}
        pkg = decision.package
        key = (partner_app, app_id, decision.channel.value, pkg, base_url)
        body = self._bodies.get(key)
        if body is None:
            body = self._bodies[key] = encode(
                partner_app, app_id, decision, f"{base_url}{packages_path}{pkg.sha256}"
            )
        return body


def encode(partner_app: str, app_id: str, decision: Decision, url: str) -> bytes:
    """The launch answer of design §7, as JSONResponse would write it."""
    pkg = decision.package
    answer = {
        "app_id": app_id,
        "partner_app": partner_app,
        "version": pkg.version,
        "channel": decision.channel.value,
        "release_id": pkg.release_id,
        "package": {
            "url": url,
            "sha256": pkg.sha256,
            "size": pkg.size,
            "signature": pkg.signature,
            "key_id": pkg.key_id or None,
        },
    }
    return json.dumps(answer, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
