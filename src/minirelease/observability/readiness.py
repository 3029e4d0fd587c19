"""Readiness: may a load balancer send this process traffic? Yes when the database
answers, its schema is at the migrations' head, and the rollout snapshot that launches
are answered from has been loaded. Each check says what is wrong in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from minirelease.db import READ_ONLY
from minirelease.errors import DomainError
from minirelease.migrate import schema_state


class NotReady(DomainError):
    code = "not_ready"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database_checks(sessions: sessionmaker[Any]) -> list[Check]:
    """The database's two checks: it answers, and its schema is at head (the check that
    also keeps a process whose schema is not current from starting, migrate.py)."""
    try:
        with sessions(execution_options={READ_ONLY: True}) as session:
            session.execute(text("SELECT 1"))
            state = schema_state(session.connection())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines() or [type(exc).__name__]
        return [
            Check("database", False, f"the database does not answer: {reason[0]}"),
            Check("migrations", False, "unknown: the database does not answer"),
        ]
    problem = state.problem()
    if problem is None:
        migrations = Check("migrations", True, f"at head {', '.join(sorted(state.heads))}")
    else:
        migrations = Check("migrations", False, problem)
    return [Check("database", True, "answers"), migrations]


def snapshot_check(loaded: Callable[[], bool]) -> Check:
    if loaded():
        return Check("rollout_snapshot", True, "loaded")
    return Check("rollout_snapshot", False, "the rollout snapshot is not loaded yet")


def verdict(checks: list[Check]) -> None:
    """Raises ``NotReady`` naming the failing checks; returns when all pass."""
    failing = [c for c in checks if not c.ok]
    if failing:
        raise NotReady(
            "; ".join(f"{c.name}: {c.detail}" for c in failing),
            checks={c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        )
