"""Everything a request could change, captured so a test can show that it changed nothing:
every row of every table, and every file under the data directory (blobs, temp uploads)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.config import Settings
from minirelease.models import Base


@dataclass(frozen=True)
class State:
    rows: dict[str, list[str]]
    files: list[str]


def capture(session_factory: sessionmaker[Any], settings: Settings) -> State:
    return State(rows_of(session_factory), files_of(settings))


def rows_of(session_factory: sessionmaker[Any]) -> dict[str, list[str]]:
    """Every row of every table, by table."""
    rows: dict[str, list[str]] = {}
    with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            rows[table.name] = sorted(repr(tuple(row)) for row in session.execute(select(table)))
    return rows


def files_of(settings: Settings) -> list[str]:
    """Every file under the data directory, by its path there."""
    return sorted(
        str(path.relative_to(settings.data_dir))
        for path in settings.data_dir.rglob("*")
        if path.is_file()
    )


def audit_event_count(session_factory: sessionmaker[Any]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
