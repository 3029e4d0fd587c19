"""Run by test_leases.py as a process of its own: a ``Periodic`` under a lease whose tick
records when it ran, and in which process, in the ``tick_log`` table the test made."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from minirelease.db import make_engine, make_session_factory
from minirelease.jobs.periodic import Periodic


def record(session: Session, now: dt.datetime) -> None:
    session.execute(
        text("INSERT INTO tick_log (at, pid) VALUES (:at, :pid)"),
        {"at": now.isoformat(), "pid": os.getpid()},
    )


def main(database_url: str, lease: str, interval: str) -> None:
    sessions = make_session_factory(make_engine(database_url))
    Periodic(sessions, record, interval=float(interval), name=lease, lease=lease).start()
    print("ticking", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main(*sys.argv[1:])
