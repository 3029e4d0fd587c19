"""A partner app's rollout manifest: parsed, verified and checked field by field.

    M = {"format": 1, "partner_app": code, "mini_program"?: app_id, "serial": int,
         "mini_programs": {app_id: {
           "removed": bool,
           "online": P | null,
           "candidate": null | P + {"state": "pilot" | "grayscale", "basis_points": 0..10000,
                                    "halted": bool, "tester_salt": str,
                                    "testers": [hex sha256(utf8(tester_salt + ":" + user_id))]}}}}
    P = {"release_id", "version", "sha256", "size", "signature", "url", "key_id"?}

A manifest with ``mini_program`` is that one program's (served at
``/partner-apps/{code}/mini-programs/{app_id}/manifest``) and lists it alone; see
``check_scope``. Unknown fields are ignored (they are signed, so harmless); a manifest of
another format is refused, so a client never misreads a shape it does not know."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .bucketing import BUCKETS
from .errors import ManifestInvalid, StaleManifest
from .keys import KeySource
from .signature import (
    PublicKeyLike,
    load_public_key,
    parse_envelope,
    verify_envelope,
)

FORMAT: Final = 1
CANDIDATE_STATES: Final = ("pilot", "grayscale")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ManifestPackage:
    release_id: str
    version: str
    sha256: str
    size: int
    signature: str
    url: str  # a path on the server, e.g. /api/v1/packages/<sha256>
    key_id: str | None = None  # the key that signed the package (absent before key ids)


@dataclass(frozen=True)
class ManifestCandidate:
    package: ManifestPackage
    state: str  # "pilot" | "grayscale"
    basis_points: int
    halted: bool
    tester_salt: str
    testers: frozenset[bytes]  # SHA-256 digests of tester_salt:user_id


@dataclass(frozen=True)
class ManifestEntry:
    removed: bool
    online: ManifestPackage | None
    candidate: ManifestCandidate | None


@dataclass(frozen=True)
class Manifest:
    partner_app: str
    serial: int
    mini_programs: Mapping[str, ManifestEntry]
    mini_program: str | None = None  # the one program a per-program manifest is scoped to


def load_manifest(
    body: bytes | str,
    public_key: PublicKeyLike | KeySource,
    *,
    partner_app: str | None = None,
    min_serial: int | None = None,
    app_id: str | None = None,
) -> Manifest:
    """The manifest in ``body`` (the envelope as served), once its signature checks out.

    ``public_key``: the one pinned key (any form of ``load_public_key``), or a ``KeySet`` /
    ``KeyRing`` of the published keys, of which the envelope's ``key_id`` picks one.

    ``partner_app``: refuse another partner app's manifest (all are signed by the same
    key). ``min_serial``: refuse a manifest older than one already accepted (pass the
    serial of the one in use; the same serial is accepted again). ``app_id``: expect the
    manifest of that one mini program (see ``check_scope``).

    Raises ``KeyInvalid``, ``ManifestInvalid``, ``SignatureInvalid``, ``StaleManifest``."""
    data = verified_document(body, public_key)
    return accept_manifest(data, partner_app=partner_app, min_serial=min_serial, app_id=app_id)


def verified_document(body: bytes | str, public_key: PublicKeyLike | KeySource) -> dict[str, Any]:
    """The signed document of the envelope ``body`` (a manifest or a delta, delta.py),
    once its signature checks out. Raises ``KeyInvalid``, ``ManifestInvalid``,
    ``SignatureInvalid``."""
    if isinstance(public_key, KeySource):
        envelope = parse_envelope(body)
        claimed = envelope.get("key_id")
        if not isinstance(claimed, str):
            raise ManifestInvalid("envelope field 'key_id' must be a string")
        return verify_envelope(envelope, public_key.key_for(claimed))
    return verify_envelope(parse_envelope(body), load_public_key(public_key))


def accept_manifest(
    data: Mapping[str, Any],
    *,
    partner_app: str | None = None,
    min_serial: int | None = None,
    app_id: str | None = None,
) -> Manifest:
    """The verified manifest ``data``, parsed and checked as ``load_manifest`` says."""
    manifest = parse_manifest(data)
    if partner_app is not None and manifest.partner_app != partner_app:
        raise ManifestInvalid(
            f"manifest is for partner app {manifest.partner_app!r}, not {partner_app!r}"
        )
    check_scope(manifest, app_id)
    if min_serial is not None and manifest.serial < min_serial:
        raise StaleManifest(
            f"manifest serial {manifest.serial} is older than the accepted {min_serial}"
        )
    return manifest


def check_scope(manifest: Manifest, app_id: str | None) -> None:
    """A manifest scoped to one mini program is taken only by a caller expecting exactly
    that one (``app_id``), who takes nothing else: not another program's, nor a partner
    app's whole manifest, whose serial moves with every program's change where a
    per-program one moves with its program's alone (so ``min_serial`` would refuse the one
    after the other). Raises ``ManifestInvalid``."""
    scope = manifest.mini_program
    if scope == app_id:
        return
    if app_id is None:
        detail = f"manifest covers mini program {scope!r} alone; load it with app_id={scope!r}"
    elif scope is None:
        detail = f"manifest is the whole partner app's, not mini program {app_id!r}'s"
    else:
        detail = f"manifest is for mini program {scope!r}, not {app_id!r}"
    raise ManifestInvalid(detail)


def parse_manifest(data: Mapping[str, Any]) -> Manifest:
    """The verified manifest's fields, checked. Raises ``ManifestInvalid``."""
    if data.get("format") != FORMAT or isinstance(data.get("format"), bool):
        raise ManifestInvalid(f"unsupported manifest format {data.get('format')!r}")
    if data.get("kind", "manifest") != "manifest":  # a delta (delta.py), or newer
        raise ManifestInvalid(f"a {data.get('kind')!r} document is not a full manifest")
    partner_app = _field(data, "partner_app", str, "manifest")
    serial = _integer(data, "serial", "manifest", 0, None)
    programs = _field(data, "mini_programs", dict, "manifest")
    scope = _field(data, "mini_program", str, "manifest") if "mini_program" in data else None
    if scope is not None and list(programs) != [scope]:
        raise ManifestInvalid(f"a manifest of mini program {scope!r} must list it alone")
    return Manifest(
        partner_app=partner_app,
        serial=serial,
        mini_programs={
            app_id: _entry(entry, f"mini_programs[{app_id!r}]")
            for app_id, entry in programs.items()
        },
        mini_program=scope,
    )


def _entry(entry: Any, where: str) -> ManifestEntry:
    if not isinstance(entry, dict):
        raise ManifestInvalid(f"{where} must be an object")
    online = entry.get("online")
    candidate = entry.get("candidate")
    return ManifestEntry(
        removed=_field(entry, "removed", bool, where),
        online=None if online is None else _package(online, f"{where}.online"),
        candidate=None if candidate is None else _candidate(candidate, f"{where}.candidate"),
    )


def _package(data: Any, where: str) -> ManifestPackage:
    if not isinstance(data, dict):
        raise ManifestInvalid(f"{where} must be an object or null")
    sha256 = _field(data, "sha256", str, where)
    if not _SHA256_HEX.fullmatch(sha256):
        raise ManifestInvalid(f"{where}.sha256 must be 64 lowercase hex digits")
    return ManifestPackage(
        release_id=_field(data, "release_id", str, where),
        version=_field(data, "version", str, where),
        sha256=sha256,
        size=_integer(data, "size", where, 0, None),
        signature=_field(data, "signature", str, where),
        url=_field(data, "url", str, where),
        key_id=None if data.get("key_id") is None else _field(data, "key_id", str, where),
    )


def _candidate(data: Any, where: str) -> ManifestCandidate:
    package = _package(data, where)
    state = _field(data, "state", str, where)
    if state not in CANDIDATE_STATES:
        raise ManifestInvalid(f"{where}.state must be pilot or grayscale, not {state!r}")
    testers = _field(data, "testers", list, where)
    if not all(isinstance(t, str) and _SHA256_HEX.fullmatch(t) for t in testers):
        raise ManifestInvalid(f"{where}.testers must be hex SHA-256 digests")
    return ManifestCandidate(
        package=package,
        state=state,
        basis_points=_integer(data, "basis_points", where, 0, BUCKETS),
        halted=_field(data, "halted", bool, where),
        tester_salt=_field(data, "tester_salt", str, where),
        testers=frozenset(bytes.fromhex(t) for t in testers),
    )


def _field(data: Mapping[str, Any], name: str, kind: type[Any], where: str) -> Any:
    value = data.get(name)
    # bool is an int in Python, never the other way round: keep them apart.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        got = "null" if value is None else type(value).__name__
        raise ManifestInvalid(f"{where}.{name} must be a {kind.__name__}, got {got}")
    return value


def _integer(data: Mapping[str, Any], name: str, where: str, low: int, high: int | None) -> int:
    value: int = _field(data, name, int, where)
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and at most {high}"
        raise ManifestInvalid(f"{where}.{name} must be at least {low}{upper}, got {value}")
    return value
