"""Launch answers, encoded once: for one rollout snapshot, every user who gets the same
package of the same mini program through the same channel gets the same bytes, so the
hot path is a dictionary lookup instead of building and encoding JSON per request.

Keyed by the snapshot (a new snapshot starts an empty table), the pair, the channel, the
release and the base URL the request came in on (the package URL is absolute). The base
URL comes from the client's Host header, so the table is bounded: past ``MAX_ENTRIES`` it
starts again rather than grow."""

from __future__ import annotations

import json
from typing import Final

from minirelease.rollout.resolve import Decision

MAX_ENTRIES: Final = 100_000

Key = tuple[str, str, str, str, str]  # partner app, app id, channel, release id, base URL


class LaunchBodies:
    def __init__(self) -> None:
        self._snapshot: object = None
        self._bodies: dict[Key, bytes] = {}

    def __len__(self) -> int:
        return len(self._bodies)

    def body(
        self,
        snapshot: object,
        *,
        partner_app: str,
        app_id: str,
        decision: Decision,
        base_url: str,
        packages_path: str,
    ) -> bytes:
        if snapshot is not self._snapshot or len(self._bodies) >= MAX_ENTRIES:
            # Swap in a new table rather than clear the one another request may be reading.
            self._snapshot, self._bodies = snapshot, {}
        pkg = decision.package
        key = (partner_app, app_id, decision.channel.value, pkg.release_id, base_url)
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
