"""The audit hash chain on real, committed databases: rows changed, deleted or reordered
with SQL are found by ``minirelease audit verify``; concurrent writers keep one gap-free
chain; a database upgraded with events in it verifies."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import JSON, Engine, bindparam, text
from sqlalchemy.orm import sessionmaker

from minirelease import audit, audit_chain, migrate
from minirelease.audit import AuditEvent
from minirelease.cli.main import main
from minirelease.db import UTCDateTime, make_engine, make_session_factory


@pytest.fixture
def database(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[Engine, sessionmaker[Any]]]:
    monkeypatch.setenv("MINIRELEASE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MINIRELEASE_DATABASE_URL", empty_database_url)
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    yield engine, make_session_factory(engine)
    engine.dispose()


def _record(factory: sessionmaker[Any], count: int, per_transaction: int = 1) -> None:
    for n in range(count):
        with factory() as session:
            for k in range(per_transaction):
                audit.record(
                    session,
                    actor="usr_x",
                    action="test.event",
                    target_type="t",
                    target_id=f"{n}.{k}",
                    workspace_id="ws_1",
                    after={"n": n, "note": "é ✓", "nested": {"b": [1, 2.5, None], "a": True}},
                )
            session.commit()


def _verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["audit", "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


def _assert_intact(
    capsys: pytest.CaptureFixture[str], factory: sessionmaker[Any], events: int
) -> None:
    code, report = _verify(capsys)
    with factory() as session:
        last = session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.seq == events))
    assert (code, report) == (
        0,
        {"events": events, "intact": True, "last_hash": last, "broken": None},
    )


def _id_at(engine: Engine, seq: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(text("SELECT id FROM audit_events WHERE seq = :s"), {"s": seq}))


def test_a_clean_chain_verifies(
    database: tuple[Engine, sessionmaker[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, factory = database
    _record(factory, 3, per_transaction=2)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "6 events, chain intact"
    with factory() as session:
        seqs = session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == [1, 2, 3, 4, 5, 6]


def test_a_changed_after_is_found_at_that_event(
    database: tuple[Engine, sessionmaker[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, factory = database
    _record(factory, 4)
    changed = _id_at(engine, 3)
    with engine.begin() as conn:
        update = text("UPDATE audit_events SET after = :after WHERE seq = 3")
        conn.execute(update.bindparams(bindparam("after", type_=JSON)), {"after": {"n": 99}})
    code, report = _verify(capsys)
    assert code == 1
    assert report["intact"] is False and report["events"] == 2
    assert report["broken"]["seq"] == 3 and report["broken"]["event_id"] == changed
    assert report["broken"]["problem"].startswith("changed content")


def test_a_changed_column_with_its_hash_recomputed_breaks_the_next_link(
    database: tuple[Engine, sessionmaker[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, factory = database
    _record(factory, 3)
    # A forger who rewrites the actor and that row's hash still breaks the next link.
    with factory() as session:
        row = session.scalars(sa.select(AuditEvent).where(AuditEvent.seq == 2)).one()
        row.actor = "usr_someone_else"
        forged = audit_chain.event_hash(audit_chain.fields_of(row), row.prev_hash or "")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET actor = 'usr_someone_else', hash = :h WHERE seq = 2"),
            {"h": forged},
        )
    code, report = _verify(capsys)
    assert code == 1 and report["broken"]["seq"] == 3
    assert report["broken"]["problem"].startswith("out of order")


@pytest.mark.parametrize("seq, missing", [(2, "missing seq 2"), (4, "the chain ends at seq 3")])
def test_a_deleted_event_is_found(
    database: tuple[Engine, sessionmaker[Any]],
    capsys: pytest.CaptureFixture[str],
    seq: int,
    missing: str,
) -> None:
    engine, factory = database
    _record(factory, 4)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": seq})
    code, report = _verify(capsys)
    assert code == 1
    assert report["broken"]["problem"].startswith(missing)
    assert main(["audit", "verify"]) == 1
    assert "chain broken at" in capsys.readouterr().err


def test_swapped_rows_are_found_out_of_order(
    database: tuple[Engine, sessionmaker[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, factory = database
    _record(factory, 4)
    second, third = _id_at(engine, 2), _id_at(engine, 3)
    with engine.begin() as conn:
        swap = "UPDATE audit_events SET seq = :to WHERE id = :id"
        conn.execute(text(swap), {"to": -1, "id": second})
        conn.execute(text(swap), {"to": 2, "id": third})
        conn.execute(text(swap), {"to": 3, "id": second})
    code, report = _verify(capsys)
    assert code == 1
    assert report["broken"]["seq"] == 2 and report["broken"]["event_id"] == third
    assert report["broken"]["problem"].startswith("out of order")


def test_a_rolled_back_event_takes_no_number(
    database: tuple[Engine, sessionmaker[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, factory = database
    _record(factory, 1)
    with factory() as session:
        audit.record(session, actor="usr_x", action="test.gone", target_type="t", target_id="x")
        session.flush()
        session.rollback()
        with session.begin_nested():
            audit.record(session, actor="usr_x", action="test.kept", target_type="t", target_id="y")
        nested = session.begin_nested()
        audit.record(session, actor="usr_x", action="test.undone", target_type="t", target_id="z")
        session.flush()
        nested.rollback()
        session.commit()
    with factory() as session:
        rows = session.execute(sa.select(AuditEvent.seq, AuditEvent.action)).all()
    assert sorted(rows) == [(1, "test.event"), (2, "test.kept")]
    _assert_intact(capsys, factory, 2)


def test_concurrent_writers_make_one_gap_free_chain(
    database: tuple[Engine, sessionmaker[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, factory = database
    threads, per_thread = 8, 15
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            start.wait()
            _record(factory, per_thread, per_transaction=2)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    total = threads * per_thread * 2
    with factory() as session:
        seqs = session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, total + 1))
    _assert_intact(capsys, factory, total)


def test_an_upgraded_database_chains_its_earlier_events(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MINIRELEASE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MINIRELEASE_DATABASE_URL", empty_database_url)
    command.upgrade(migrate.alembic_config(empty_database_url), "0005")
    events = sa.table(
        "audit_events",
        *(sa.column(name) for name in ("id", "actor", "action", "target_type", "target_id")),
        sa.column("occurred_at", UTCDateTime()),
        sa.column("after", JSON),
    )
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    # Inserted out of time order, two at the same instant: chained by (occurred_at, id).
    rows = [
        ("aud_c", at + dt.timedelta(seconds=2)),
        ("aud_b", at),
        ("aud_a", at),
        ("aud_d", at + dt.timedelta(seconds=1)),
    ]
    engine = make_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(
            events.insert(),
            [
                {"id": id_, "actor": "usr_x", "action": "old", "target_type": "t",
                 "target_id": id_, "occurred_at": when, "after": {"k": id_}}
                for id_, when in rows
            ],
        )  # fmt: skip
    migrate.upgrade(empty_database_url)
    _record(make_session_factory(engine), 1)
    with engine.connect() as conn:
        order = conn.execute(text("SELECT id FROM audit_events ORDER BY seq")).scalars().all()
    engine.dispose()
    assert order[:4] == ["aud_a", "aud_b", "aud_d", "aud_c"]
    assert main(["audit", "verify"]) == 0


def test_the_head_is_locked_before_the_rollout_serial_in_every_process() -> None:
    # Both are taken as a transaction commits; one order everywhere means no deadlock,
    # even in a process that imports the serial first.
    program = (
        "import minirelease.rollout.serial, minirelease.audit_chain\n"
        "from sqlalchemy.orm import Session\n"
        "print(' '.join(hook.__module__ for hook in Session().dispatch.before_commit))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    hooks = done.stdout.split()
    assert hooks.index("minirelease.audit_chain") < hooks.index("minirelease.rollout.serial")
