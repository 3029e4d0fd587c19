"""Schema migrations, callable from the CLI, the server's start-up and the tests; and
whether a database's schema is the one this code was written for."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.orm import sessionmaker

from minirelease.db import READ_ONLY, make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "minirelease db upgrade"


def alembic_config(url: str = "", connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str = "", connection: Connection | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url, connection), revision)


def upgrade_unless_ahead(url: str) -> None:
    """``upgrade`` for a process's start; ``SchemaNotCurrent`` when the database records a
    revision this code does not know (a newer release migrated it), which alembic would
    only report as a revision it cannot locate."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            state = schema_state(connection)
    finally:
        engine.dispose()
    if state.unknown:
        raise SchemaNotCurrent(state.problem() or "")
    upgrade(url)


@cache
def scripts() -> ScriptDirectory:
    """This code's migrations, read once per process."""
    return ScriptDirectory.from_config(alembic_config())


class SchemaNotCurrent(RuntimeError):
    """The database's schema is not the one this code was written for."""


@dataclass(frozen=True)
class SchemaState:
    applied: frozenset[str]  # the revisions the database records
    heads: frozenset[str]  # this code's latest revisions
    missing: tuple[str, ...]  # this code's revisions the database lacks, oldest first
    unknown: frozenset[str]  # revisions the database records that this code does not know

    @property
    def current(self) -> bool:
        return self.applied == self.heads

    def problem(self) -> str | None:
        """What is wrong, in words an operator acts on; None when the schema is current."""
        if self.unknown:
            return (
                f"the database is at revision {_listed(self.unknown)}, which this release "
                "does not know: it was migrated by a newer release; run that release, or "
                "downgrade the database with it"
            )
        if self.current:
            return None
        if not self.applied:
            return (
                f"the database has no migrations applied (missing {_listed(self.missing)}): "
                f"run `{UPGRADE_COMMAND}`"
            )
        return (
            f"the database is at {_listed(self.applied)}, not at head {_listed(self.heads)}: "
            f"migration(s) {_listed(self.missing)} missing; run `{UPGRADE_COMMAND}`"
        )


def schema_state(connection: Connection) -> SchemaState:
    """Reads the database's recorded revisions (none when it has no version table)."""
    applied = frozenset(MigrationContext.configure(connection).get_current_heads())
    heads, known = _heads_and_known()
    unknown = applied - known
    missing: tuple[str, ...] = ()
    if applied != heads and not unknown:
        newer = scripts().iterate_revisions(tuple(heads), tuple(applied) or "base")
        missing = tuple(reversed([revision.revision for revision in newer]))
    return SchemaState(applied, heads, missing, unknown)


@cache
def _heads_and_known() -> tuple[frozenset[str], frozenset[str]]:
    # /readyz asks at the load balancer's rate.
    script = scripts()
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), known


def require_current_schema(sessions: sessionmaker[Any]) -> None:
    """Raises ``SchemaNotCurrent`` naming the missing (or unknown) revisions: a process
    whose code and schema differ must not start (its queries would fail as bugs)."""
    # Read-only: on SQLite the check takes no write lock (db.py).
    with sessions(execution_options={READ_ONLY: True}) as session:
        problem = schema_state(session.connection()).problem()
    if problem is not None:
        raise SchemaNotCurrent(problem)


def _listed(revisions: frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(revisions if isinstance(revisions, tuple) else sorted(revisions))
