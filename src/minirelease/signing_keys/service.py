"""Use cases on the platform's signing keys. Keyword-only, never commit (the caller's unit
of work does), and every change writes its audit event in the same transaction.

- ``claim``: at start, a process records its key as the active one when none is, and
  otherwise must hold exactly the active one (``SigningKeyMismatch``);
- ``rotate``: a new public key becomes the active one; the previous active key stays
  published so that what it signed still verifies;
- ``retire``: a previous key stops being published; partner apps refuse its signatures."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.build.signing import SigningKeyError
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound
from minirelease.releases.models import Release
from minirelease.resolver.signature import key_id as key_id_of
from minirelease.signing_keys.models import ACTIVE, PREVIOUS, PUBLISHED, RETIRED, SigningKey

STARTUP_ACTOR = "system:startup"
TARGET = "signing_key"
CONFIGURE = (
    "configure that key's private key (MINIRELEASE_SIGNING_KEY or MINIRELEASE_SIGNING_KEY_FILE) "
    "in every API and worker process"
)
# A package that partner apps may still be given: its build's signature must stay checkable.
SERVED_STATUSES = ("pilot", "grayscale", "released")


class SigningKeyMismatch(SigningKeyError):
    """This process's key is not the platform's active signing key: it must not start."""

    code = "signing_key_mismatch"

    def __init__(self, detail: str, *, process_key: str, active_key: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.process_key = process_key
        self.active_key = active_key


def active_key(session: Session) -> SigningKey | None:
    return session.scalar(select(SigningKey).where(SigningKey.status == ACTIVE))


def published_keys(session: Session) -> Sequence[SigningKey]:
    """The keys partner apps may verify with: the active one first, then the previous ones,
    newest first."""
    keys = session.scalars(
        select(SigningKey)
        .where(SigningKey.status.in_(PUBLISHED))
        .order_by(SigningKey.activated_at.desc(), SigningKey.key_id)
    ).all()
    return sorted(keys, key=lambda key: key.status != ACTIVE)


def all_keys(session: Session) -> Sequence[SigningKey]:
    return session.scalars(
        select(SigningKey).order_by(SigningKey.activated_at.desc(), SigningKey.key_id)
    ).all()


def claim(session: Session, *, public_key_raw: bytes) -> SigningKey:
    """The process holding the private key of ``public_key_raw`` is about to sign: record its
    key as the active one if there is none yet, or check that it is the active one. Raises
    ``SigningKeyMismatch`` naming both keys and what to do."""
    key_id = key_id_of(public_key_raw)
    active = active_key(session)
    if active is not None and active.key_id == key_id:
        return active
    known = session.get(SigningKey, key_id)
    if active is None and known is None:
        return _record_first(session, key_id, public_key_raw)
    raise SigningKeyMismatch(
        _mismatch_detail(key_id, known, active),
        process_key=key_id,
        active_key=active.key_id if active is not None else "",
    )


def _record_first(session: Session, key_id: str, public_key_raw: bytes) -> SigningKey:
    now = utcnow()
    key = SigningKey(
        key_id=key_id,
        public_key=base64.b64encode(public_key_raw).decode("ascii"),
        status=ACTIVE,
        created_at=now,
        activated_at=now,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor=STARTUP_ACTOR,
        action="signing_key.recorded",
        target_type=TARGET,
        target_id=key_id,
        after={"status": ACTIVE},
    )
    return key


def _mismatch_detail(key_id: str, known: SigningKey | None, active: SigningKey | None) -> str:
    if active is None:  # only retired keys are left: an operator must choose the next one
        return (
            f"this process's signing key {key_id} is {known.status if known else 'unknown'} and "
            "the database records no active signing key; run `minirelease keys rotate "
            "--new-key-file FILE` with the key every process should sign with"
        )
    if known is None:
        why = "is not the platform's active signing key"
        advice = (
            f"{CONFIGURE}; to make {key_id} the signing key instead, run "
            f"`minirelease keys rotate --new-key-file FILE` with it first"
        )
    else:
        when = known.replaced_at if known.status == PREVIOUS else known.retired_at
        verb = "was rotated out" if known.status == PREVIOUS else f"was {known.status}"
        why = f"{verb} on {when:%Y-%m-%d %H:%M} UTC" if when else verb
        advice = CONFIGURE
    return (
        f"this process's signing key {key_id} {why}; the active signing key recorded in the "
        f"database is {active.key_id}: {advice}. Refusing to start, so that no two processes "
        "sign with different keys."
    )


def rotate(session: Session, *, actor: str, public_key_raw: bytes) -> SigningKey:
    """Make ``public_key_raw`` the active signing key; the active one becomes a previous key,
    still published. Running processes keep signing with the key they started with (still
    verifiable) until restarted with the new one; a process started with an old key refuses."""
    key_id = key_id_of(public_key_raw)
    key = session.get(SigningKey, key_id)
    if key is not None and key.status == ACTIVE:
        raise Conflict(f"signing key {key_id} is already the active signing key")
    if key is not None and key.status == RETIRED:
        raise Conflict(f"signing key {key_id} was retired; a retired key never signs again")
    now = utcnow()
    active = active_key(session)
    if active is not None:
        active.status = PREVIOUS
        active.replaced_at = now
        session.flush()  # before the new active row: one active key at a time
    if key is None:
        key = SigningKey(
            key_id=key_id,
            public_key=base64.b64encode(public_key_raw).decode("ascii"),
            created_at=now,
        )
        session.add(key)
    key.status = ACTIVE
    key.activated_at = now
    key.replaced_at = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="signing_key.rotated",
        target_type=TARGET,
        target_id=key_id,
        before={"active_key_id": active.key_id if active is not None else None},
        after={"active_key_id": key_id},
    )
    return key


def retire(session: Session, *, actor: str, key_id: str, force: bool = False) -> SigningKey:
    """Stop publishing a previous key: manifests and packages it signed no longer verify.
    Refused for the active key, and, unless ``force``, while packages it signed are still
    served (pilot, grayscale or released)."""
    key = session.get(SigningKey, key_id)
    if key is None:
        raise NotFound(f"no signing key {key_id!r}")
    if key.status == ACTIVE:
        raise Conflict(
            f"signing key {key_id} is the active signing key; rotate to a new key before "
            "retiring it"
        )
    if key.status == RETIRED:
        raise Conflict(f"signing key {key_id} is already retired")
    served = _served_builds(session, key_id)
    if served and not force:
        raise Conflict(
            f"{served} release(s) in pilot, grayscale or released serve packages signed by "
            f"key {key_id}; partner apps checking package signatures would refuse them once "
            "it is retired. Release versions built with the active key first, or force it",
            served_releases=served,
        )
    key.status = RETIRED
    key.retired_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="signing_key.retired",
        target_type=TARGET,
        target_id=key_id,
        before={"status": PREVIOUS},
        after={"status": RETIRED, "served_releases": served},
    )
    return key


def _served_builds(session: Session, key_id: str) -> int:
    rows = session.scalars(
        select(Release.id).where(
            Release.build_key_id == key_id, Release.status.in_(SERVED_STATUSES)
        )
    ).all()
    return len(rows)
