"""Manifest deltas: what changed in a partner app's manifest since the serial a backend
holds, signed like the manifest and applied to it.

    D = {"format": 1, "kind": "delta", "partner_app": code, "since": S, "serial": N,
         "count": int, "changes": {app_id: entry | null}}

``GET /api/v1/partner-apps/{code}/manifest?since=S`` answers D when the server holds the
changes since S, else the full manifest M (serial N >= S, or older when that server lags
behind another); ``load_update`` takes either. A delta is applied only to the manifest of
serial S of the same partner app (anything else, a gap, raises ``DeltaInvalid``): each
entry replaces the app id's, a null drops the app id, and the result, labelled N, must
list ``count`` mini programs. Its entries are checked exactly as a full manifest's, and it
is verified by the same envelope code, so the result is as trustworthy as a full manifest
of serial N. It never stands for a full manifest: it has no ``mini_programs`` (and a
``kind``), so ``load_manifest`` refuses it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .errors import DeltaInvalid, ManifestInvalid
from .keys import KeySource
from .manifest import (
    FORMAT,
    Manifest,
    ManifestEntry,
    _entry,
    _field,
    _integer,
    accept_manifest,
    verified_document,
)
from .signature import PublicKeyLike

KIND: Final = "delta"


@dataclass(frozen=True)
class ManifestDelta:
    partner_app: str
    since: int
    serial: int
    count: int  # how many mini programs the manifest of ``serial`` lists
    changes: Mapping[str, ManifestEntry | None]  # None: the app id is no longer listed


def parse_delta(data: Mapping[str, Any]) -> ManifestDelta:
    """The verified delta's fields, checked. Raises ``ManifestInvalid``."""
    if data.get("format") != FORMAT or isinstance(data.get("format"), bool):
        raise ManifestInvalid(f"unsupported manifest format {data.get('format')!r}")
    if data.get("kind") != KIND:
        raise ManifestInvalid(f"a {data.get('kind')!r} document is not a manifest delta")
    since = _integer(data, "since", "delta", 0, None)
    serial = _integer(data, "serial", "delta", since, None)
    changes = _field(data, "changes", dict, "delta")
    return ManifestDelta(
        partner_app=_field(data, "partner_app", str, "delta"),
        since=since,
        serial=serial,
        count=_integer(data, "count", "delta", 0, None),
        changes={
            app_id: None if entry is None else _entry(entry, f"changes[{app_id!r}]")
            for app_id, entry in changes.items()
        },
    )


def apply_delta(manifest: Manifest, delta: ManifestDelta) -> Manifest:
    """``manifest`` with ``delta`` applied: the manifest of the delta's serial. Entries it
    does not change are the same objects as in ``manifest``. Raises ``DeltaInvalid``."""
    if manifest.mini_program is not None:
        raise DeltaInvalid("a delta applies to a partner app's manifest, not to a program's")
    if delta.partner_app != manifest.partner_app:
        raise DeltaInvalid(
            f"delta is for partner app {delta.partner_app!r}, not {manifest.partner_app!r}"
        )
    if delta.since != manifest.serial:
        raise DeltaInvalid(
            f"delta starts at serial {delta.since}, the manifest in use is at "
            f"{manifest.serial}: fetch the full manifest"
        )
    programs = dict(manifest.mini_programs)
    for app_id, entry in delta.changes.items():
        if entry is None:
            programs.pop(app_id, None)
        else:
            programs[app_id] = entry
    if len(programs) != delta.count:
        raise DeltaInvalid(
            f"delta gives {len(programs)} mini programs where serial {delta.serial} "
            f"lists {delta.count}: fetch the full manifest"
        )
    return Manifest(partner_app=manifest.partner_app, serial=delta.serial, mini_programs=programs)


def load_delta(body: bytes | str, public_key: PublicKeyLike | KeySource) -> ManifestDelta:
    """The delta in ``body`` (the envelope as served), once its signature checks out.
    Raises ``KeyInvalid``, ``ManifestInvalid``, ``SignatureInvalid``."""
    return parse_delta(verified_document(body, public_key))


def load_update(
    body: bytes | str, public_key: PublicKeyLike | KeySource, current: Manifest
) -> Manifest:
    """The manifest that follows ``current`` from ``body``, the answer to ``?since=`` its
    serial: a delta applied to it, or a full manifest of the same partner app no older
    than it. Raises ``KeyInvalid``, ``ManifestInvalid`` (``DeltaInvalid``: a delta that
    does not start at ``current``'s serial; ``StaleManifest``: an older full manifest),
    ``SignatureInvalid``: keep ``current``."""
    data = verified_document(body, public_key)
    if data.get("kind") == KIND:
        return apply_delta(current, parse_delta(data))
    return accept_manifest(
        data,
        partner_app=current.partner_app,
        min_serial=current.serial,
        app_id=current.mini_program,
    )
