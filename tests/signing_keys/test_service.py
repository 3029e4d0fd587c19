"""The database's record of the signing keys, on SQLite and PostgreSQL: the first process
records its key, any other key is refused at start naming both ids, rotation and retirement
move the statuses with their audit events, and two processes racing to record different
first keys cannot both win."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minirelease import migrate
from minirelease.audit import AuditEvent
from minirelease.build.signing import Signer
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.errors import Conflict, NotFound
from minirelease.signing_keys import service
from minirelease.signing_keys.service import SigningKeyMismatch
from minirelease.signing_keys.startup import claim_signing_key
from tests.factories import Factory
from tests.rollout.rows import Rows

ACTOR = "system:cli"


def new_key() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def statuses(session: Session) -> dict[str, str]:
    return {key.key_id: key.status for key in service.all_keys(session)}


def events(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "signing_key").order_by(AuditEvent.id)
    )
    return [(event.action, event.target_id) for event in rows]


def test_the_first_key_is_recorded_and_another_is_refused(session: Session) -> None:
    first, other = new_key(), new_key()
    recorded = service.claim(session, public_key_raw=first.public_key_raw())
    assert (recorded.key_id, recorded.status) == (first.key_id, "active")
    assert recorded.public_key == first.public_key_raw_b64()
    assert service.claim(session, public_key_raw=first.public_key_raw()) is recorded
    assert events(session) == [("signing_key.recorded", first.key_id)]

    with pytest.raises(SigningKeyMismatch) as refused:
        service.claim(session, public_key_raw=other.public_key_raw())
    assert (refused.value.process_key, refused.value.active_key) == (other.key_id, first.key_id)
    assert other.key_id in str(refused.value) and first.key_id in str(refused.value)
    assert "minirelease keys rotate" in str(refused.value)
    assert statuses(session) == {first.key_id: "active"}


def test_rotation_keeps_the_previous_key_published(session: Session) -> None:
    first, second, third = new_key(), new_key(), new_key()
    service.claim(session, public_key_raw=first.public_key_raw())
    service.rotate(session, actor=ACTOR, public_key_raw=second.public_key_raw())
    assert statuses(session) == {first.key_id: "previous", second.key_id: "active"}
    assert [k.key_id for k in service.published_keys(session)] == [second.key_id, first.key_id]
    rotated = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "signing_key.rotated")
    ).one()
    assert (rotated.actor, rotated.target_id) == (ACTOR, second.key_id)
    assert rotated.before == {"active_key_id": first.key_id}
    assert rotated.after == {"active_key_id": second.key_id}

    # The old key no longer starts a process; the new one does.
    with pytest.raises(SigningKeyMismatch, match=f"{first.key_id} was rotated out on"):
        service.claim(session, public_key_raw=first.public_key_raw())
    service.claim(session, public_key_raw=second.public_key_raw())

    with pytest.raises(Conflict, match="already the active signing key"):
        service.rotate(session, actor=ACTOR, public_key_raw=second.public_key_raw())
    # Rotating back to a previous key (undoing a rotation) is allowed.
    service.rotate(session, actor=ACTOR, public_key_raw=first.public_key_raw())
    service.rotate(session, actor=ACTOR, public_key_raw=third.public_key_raw())
    assert statuses(session) == {
        first.key_id: "previous",
        second.key_id: "previous",
        third.key_id: "active",
    }


def test_retiring_stops_publishing_a_previous_key(session: Session) -> None:
    first, second = new_key(), new_key()
    service.claim(session, public_key_raw=first.public_key_raw())
    with pytest.raises(Conflict, match="is the active signing key"):
        service.retire(session, actor=ACTOR, key_id=first.key_id)
    with pytest.raises(NotFound):
        service.retire(session, actor=ACTOR, key_id="0123456789abcdef")
    service.rotate(session, actor=ACTOR, public_key_raw=second.public_key_raw())

    retired = service.retire(session, actor=ACTOR, key_id=first.key_id)
    assert retired.status == "retired" and retired.retired_at is not None
    assert [k.key_id for k in service.published_keys(session)] == [second.key_id]
    assert events(session)[-1] == ("signing_key.retired", first.key_id)
    with pytest.raises(Conflict, match="already retired"):
        service.retire(session, actor=ACTOR, key_id=first.key_id)
    with pytest.raises(Conflict, match="never signs again"):
        service.rotate(session, actor=ACTOR, public_key_raw=first.public_key_raw())
    with pytest.raises(SigningKeyMismatch, match=f"{first.key_id} was retired"):
        service.claim(session, public_key_raw=first.public_key_raw())


def test_a_key_whose_packages_are_served_is_retired_only_by_force(
    session_factory: sessionmaker[Any], settings: Settings
) -> None:
    first, second = new_key(), new_key()
    rows = Rows.make(Factory(session_factory, settings))
    partner = rows.factory.partner_app()
    program = rows.program()
    online = rows.release(program, partner, "1.0.0", "released")
    archived = rows.release(program, partner, "0.9.0", "archived")
    with session_factory() as session:
        for release_id in (online.id, archived.id):
            session.get_one(type(online), release_id).build_key_id = first.key_id
        service.claim(session, public_key_raw=first.public_key_raw())
        service.rotate(session, actor=ACTOR, public_key_raw=second.public_key_raw())
        with pytest.raises(Conflict, match="1 release") as refused:
            service.retire(session, actor=ACTOR, key_id=first.key_id)
        assert refused.value.extra == {"served_releases": 1}
        forced = service.retire(session, actor=ACTOR, key_id=first.key_id, force=True)
        assert forced.status == "retired"


@pytest.mark.parametrize("attempt", range(3))
def test_two_processes_recording_different_first_keys_one_wins(
    empty_database_url: str, tmp_path: Path, attempt: int
) -> None:
    migrate.upgrade(empty_database_url)
    engines = [make_engine(empty_database_url) for _ in range(2)]
    keys = [new_key(), new_key()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = ["", ""]

    def start(index: int) -> None:
        barrier.wait()
        try:
            claim_signing_key(make_session_factory(engines[index]), keys[index])
            outcomes[index] = "started"
        except SigningKeyMismatch:
            outcomes[index] = "refused"

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert sorted(outcomes) == ["refused", "started"]
        winner = keys[outcomes.index("started")]
        with make_session_factory(engines[0])() as session:
            assert statuses(session) == {winner.key_id: "active"}
            assert events(session) == [("signing_key.recorded", winner.key_id)]
    finally:
        for engine in engines:
            engine.dispose()


def test_a_process_that_loses_the_race_sees_the_winner_on_retry(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loser read "no active key" before the winner committed: its insert breaks the
    one-active-key index, and its retry refuses with the winner's id."""
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    sessions = make_session_factory(engine)
    winner, loser = new_key(), new_key()
    try:
        claim_signing_key(sessions, winner)
        real_active_key = service.active_key
        stale_reads = iter([None])
        monkeypatch.setattr(
            service, "active_key", lambda session: next(stale_reads, real_active_key(session))
        )
        with pytest.raises(SigningKeyMismatch) as refused:
            claim_signing_key(sessions, loser)
        assert refused.value.active_key == winner.key_id
        with sessions() as session:
            assert statuses(session) == {winner.key_id: "active"}
    finally:
        engine.dispose()
