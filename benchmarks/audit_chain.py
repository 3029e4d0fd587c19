"""Audit chain benchmark (the README's "Audit log"): audited commits per second with the
hash chain and without it, from 1 and from 8 writer threads. The README's figures were
taken on a 2-core machine with PostgreSQL: about 170 a second with the chain, 250 to 1000
without.

    .venv/bin/python -m benchmarks.audit_chain [--postgres URL] [--seconds 5]

Each commit is one unit of work that records one audit event, as a state change does.
"Without" unhooks the chain's ``before_commit`` listener in this process only; every
other cost (the event row, the commit) stays. Without ``--postgres`` the database is a
SQLite file, whose single writer serializes commits either way."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from benchmarks.manifest_rebuild import database
from minirelease import audit, audit_chain, migrate
from minirelease.db import make_engine, make_session_factory
from minirelease.ids import new_id

WRITERS = (1, 8)


@contextmanager
def chain_unhooked() -> Iterator[None]:
    event.remove(Session, "before_commit", audit_chain._link_on_commit)
    try:
        yield
    finally:
        event.listen(Session, "before_commit", audit_chain._link_on_commit, insert=True)


def commits_per_second(url: str, writers: int, seconds: float) -> float:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    stop = time.monotonic() + seconds
    counts = [0] * writers

    def write(index: int) -> None:
        while time.monotonic() < stop:
            with sessions() as session:
                audit.record(
                    session,
                    actor="bench",
                    action="bench.commit",
                    target_type="bench",
                    target_id=new_id("bch"),
                )
                session.commit()
            counts[index] += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    engine.dispose()
    return sum(counts) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    with database(args.postgres) as url:
        migrate.upgrade(url)
        for writers in WRITERS:
            chained = commits_per_second(url, writers, args.seconds)
            with chain_unhooked():
                plain = commits_per_second(url, writers, args.seconds)
            print(
                f"{writers} writer(s): {chained:8.0f} audited commits/s with the chain, "
                f"{plain:8.0f} without"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
