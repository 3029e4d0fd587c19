"""The signed manifest of one mini program on one partner app (issue 15, item 3), for a
backend that serves one program: the partner app's manifest (manifest.py) restricted to
that program, in the same shape and signed the same way, so the resolver SDK verifies and
resolves it unchanged, plus a field naming its scope:

    {"format": 1, "partner_app": code, "mini_program": app_id, "serial": int,
     "mini_programs": {app_id: entry}}

``mini_program`` keeps the two kinds apart: the SDK refuses a manifest scoped to a mini
program unless told to expect exactly that one (``app_id=``), and refuses a partner app's
whole manifest, or another program's, when it is (resolver.manifest.check_scope).

Its serial moves only when the program's entry does. Each server process builds and signs
a program's manifest when it is first asked for it, labelled with the rollout serial of
that moment, and keeps serving those bytes through later serials while the program's
rollout is unchanged (ManifestCache's ``basis``): a change to another mini program costs
nothing. It is rebuilt, at the serial of the moment, when the entry changes; so its serial
is one at which the entry was the rollout, at or after the entry's last change and before
its next one, and it only goes up. Two processes may label one entry with two serials, so
the ETag is weak and names what the manifest says rather than its bytes: a hash of the
signing key's id and the manifest without its serial. A backend polling with
If-None-Match gets a 304 until its program changes, from whichever process answers."""

from __future__ import annotations

import hashlib
from typing import Any

from minirelease.resolver.canonical import jcs_json
from minirelease.rollout.manifest import (
    FORMAT,
    ManifestCache,
    ManifestSigner,
    SignedManifest,
    manifest_entry,
    sign_manifest,
)
from minirelease.rollout.resolve import PairRollout
from minirelease.rollout.state import RolloutSnapshot

# (partner app code, app id)
ProgramKey = tuple[str, str]

# Programs' manifests held per process, the least recently requested dropped beyond it
# (about 2 KB each; one dropped is rebuilt on its next request, with the same ETag).
HELD = 20_000


def build_program_manifest(
    snapshot: RolloutSnapshot, partner_code: str, app_id: str, packages_path: str
) -> dict[str, Any] | None:
    """M for ``app_id`` on ``partner_code``, or None when it is not listed there (or there
    is no such partner app)."""
    pair = snapshot.pair(partner_code, app_id)
    if pair is None:
        return None
    return {
        "format": FORMAT,
        "partner_app": partner_code,
        "mini_program": app_id,
        "serial": snapshot.serial,
        "mini_programs": {app_id: manifest_entry(pair, packages_path)},
    }


def program_etag(manifest: dict[str, Any], key_id: str) -> str:
    """Weak: the same for every serial the same entry is signed at, by the same key."""
    unlabelled = {name: value for name, value in manifest.items() if name != "serial"}
    digest = hashlib.sha256(key_id.encode() + b"\n" + jcs_json(unlabelled)).hexdigest()
    return f'W/"{digest[:32]}"'


def sign_program_manifest(
    snapshot: RolloutSnapshot, key: ProgramKey, packages_path: str, signer: ManifestSigner
) -> SignedManifest | None:
    partner_code, app_id = key
    manifest = build_program_manifest(snapshot, partner_code, app_id, packages_path)
    if manifest is None:
        return None
    body = sign_manifest(manifest, signer)
    return SignedManifest(
        serial=snapshot.serial, body=body, etag=program_etag(manifest, signer.key_id)
    )


def program_rollout(snapshot: RolloutSnapshot, key: ProgramKey) -> PairRollout | None:
    """What a program's manifest is made of: its rollout on the partner app."""
    return snapshot.pair(*key)


def program_manifests(limit: int = HELD) -> ManifestCache[ProgramKey]:
    """The cache of programs' manifests, keyed by (partner app code, app id)."""
    return ManifestCache(sign_program_manifest, basis=program_rollout, limit=limit)
