"""Deltas of a partner app's signed manifest (issue 15, item 2): what changed since the
serial a partner backend holds, so that one percentage moving costs it a few hundred bytes
instead of the whole manifest.

    D = {"format": 1, "kind": "delta", "partner_app": code, "since": S, "serial": N,
         "count": len(M_N.mini_programs), "changes": {app_id: entry | null}}

Each entry is exactly the full manifest's (``manifest_entry``); null means the app id is
not, or no longer, listed for this partner app (its listing is gone). Applying D to M_S
(replace the changed entries, drop the nulls) gives M_N; ``count`` lets the SDK check that
the result has as many programs as M_N. D is signed with the full manifest's envelope
(``sign_manifest``), so it is verified by the same code. It holds ``changes`` where M holds
``mini_programs``, and says ``"kind": "delta"``: no SDK, old or new, can take it for a full
manifest (an old one refuses it for the missing ``mini_programs``).

Which app ids changed comes from the change table (changes.py): the pairs each serial
touched, for this partner app (or for every partner app), mapped to their app ids. App ids
are given once, when a mini program is created, and never change. Their entries come from
the current snapshot. A delta is always a superset of what changed: a touched pair whose
entry came out the same is sent again, which is harmless.

The full manifest is answered instead (None here) when the delta cannot be made: ``since``
ahead of this process's serial (another process is ahead of this one; the SDK keeps its
newer manifest), a gap in the kept changes (older than ``changes.KEEP`` serials, or a full
change such as a partner app's), a touched mini program that no longer exists (its old
app id is not known), or more mini programs touched than ``MAX_PROGRAMS``.

``since == serial`` is an empty delta, signed like any other (no database read): a client
polling with ``If-None-Match`` gets 304s from then on. Each (partner app, since, serial,
key) is built and signed once by the manifest cache (manifest.py), the ``HELD`` most
recently requested (partner app, since) kept; the changes are read with at most
``READERS`` database connections at once, so a burst of cold deltas never drains the pool
(its overflow has room for them, db.py). An answer "send the full manifest" is not held:
the client that got it asks from the new serial next."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minirelease.miniprograms.models import MiniProgram
from minirelease.rollout.changes import pairs_between
from minirelease.rollout.delta import MAX_PROGRAMS
from minirelease.rollout.manifest import (
    FORMAT,
    ManifestCache,
    ManifestSigner,
    SignedManifest,
    manifest_entry,
    sign_manifest,
)
from minirelease.rollout.state import RolloutSnapshot
from minirelease.uow import UnitOfWork

KIND = "delta"
HELD = 512
READERS = 4

DeltaKey = tuple[str, int]  # (partner app code, since)
SessionFactorySource = Callable[[], sessionmaker[Any]]


def build_delta(
    snapshot: RolloutSnapshot,
    partner_code: str,
    since: int,
    app_ids: set[str],
    packages_path: str,
) -> dict[str, Any] | None:
    """D from ``since`` to the snapshot's serial for the changed ``app_ids``; None when
    there is no such partner app."""
    pairs = snapshot.partners.get(partner_code)
    if pairs is None:
        return None
    changes: dict[str, Any] = {}
    for app_id in sorted(app_ids):
        pair = pairs.get(app_id)
        changes[app_id] = None if pair is None else manifest_entry(pair, packages_path)
    return {
        "format": FORMAT,
        "kind": KIND,
        "partner_app": partner_code,
        "since": since,
        "serial": snapshot.serial,
        "count": len(pairs),
        "changes": changes,
    }


def changed_app_ids(
    session: Session, snapshot: RolloutSnapshot, partner_code: str, since: int
) -> set[str] | None:
    """The app ids of ``partner_code`` whose entry may differ between ``since`` and the
    snapshot's serial; None when that is not known (see the module's docstring)."""
    if since == snapshot.serial:
        return set()
    touched = pairs_between(session, since, snapshot.serial)
    if touched is None:
        return None
    ids = {id_ for id_, code in snapshot.partner_codes.items() if code == partner_code}
    programs = {program for program, partner in touched if partner is None or partner in ids}
    if len(programs) > MAX_PROGRAMS:
        return None
    app_ids = {program: snapshot.app_ids[program] for program in programs & snapshot.app_ids.keys()}
    unlisted = programs - app_ids.keys()
    if unlisted:  # listed nowhere now: its app id is still on its row, unless it was deleted
        rows = session.execute(
            select(MiniProgram.id, MiniProgram.app_id).where(MiniProgram.id.in_(unlisted))
        ).all()
        if len(rows) != len(unlisted):
            return None
        app_ids.update((str(id_), str(app_id)) for id_, app_id in rows)
    return set(app_ids.values())


def sign_delta(delta: dict[str, Any], signer: ManifestSigner) -> SignedManifest:
    body = sign_manifest(delta, signer)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return SignedManifest(serial=int(delta["serial"]), body=body, etag=etag)


class DeltaBuilder:
    """Builds and signs the delta of a (partner app, since) key of a snapshot, for a
    ``ManifestCache`` keyed so (``delta_cache``); None: answer the full manifest."""

    def __init__(self, sessions: SessionFactorySource, readers: int = READERS) -> None:
        # A source rather than a factory: an app's session factory may be swapped before
        # it starts (the API suites point one app at each test's transaction).
        self._sessions = sessions
        self._readers = threading.BoundedSemaphore(readers)

    def __call__(
        self,
        snapshot: RolloutSnapshot,
        key: DeltaKey,
        packages_path: str,
        signer: ManifestSigner,
    ) -> SignedManifest | None:
        partner_code, since = key
        if since > snapshot.serial or partner_code not in snapshot.partners:
            return None
        app_ids: set[str] | None = set()
        if since < snapshot.serial:
            with self._readers, UnitOfWork(self._sessions(), read_only=True) as uow:
                app_ids = changed_app_ids(uow.session, snapshot, partner_code, since)
        if app_ids is None:
            return None
        delta = build_delta(snapshot, partner_code, since, app_ids, packages_path)
        return None if delta is None else sign_delta(delta, signer)


def delta_cache(sessions: SessionFactorySource) -> ManifestCache[DeltaKey]:
    """Signed deltas by (partner app, since), each built and signed once per serial, the
    ``HELD`` most recently requested kept. A request whose snapshot is older than the held
    delta's gets the held one, which ends at a newer serial."""
    return ManifestCache(DeltaBuilder(sessions), limit=HELD)
