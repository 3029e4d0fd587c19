"""Unit of work: one transaction per request or command. Leaving the block without
``commit()`` rolls everything back; side effects registered with ``after_commit`` run
only once the data they describe is durable, and ``on_rollback`` undoes work outside
the database (files written for an upload that did not commit).

A rollback that finds the connection gone (the database restarted, or closed an idle
connection) has nothing left to undo: the database ended the transaction with the
connection. That is logged, not raised: a request's unit of work exits after its
response was sent, where an error would only print a traceback for a request that
went well.

A read-only unit of work (``read_only=True``: a GET) begins its transaction deferred
on SQLite, so it takes no write lock and does not queue behind writers; anything else
begins ``BEGIN IMMEDIATE`` (db.py). A read-only unit that writes after all still works,
but on SQLite, if another writer holds the lock or committed since it read, its write
fails at once ("database is locked", answered 503) rather than risk a lost update."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from minirelease.db import READ_ONLY

logger = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Any], *, read_only: bool = False) -> None:
        self._session_factory = session_factory
        self._read_only = read_only
        self._after_commit: list[Callable[[], None]] = []
        self._on_rollback: list[Callable[[], None]] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        # Set either way: a test's session factory shares one connection between units.
        self.session: Session = self._session_factory(
            execution_options={READ_ONLY: self._read_only}
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self._rollback()
                for undo in reversed(self._on_rollback):
                    undo()
        finally:
            self.session.close()
        if self._committed and exc_type is None:
            for effect in self._after_commit:
                effect()

    def _rollback(self) -> None:
        try:
            self.session.rollback()
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            logger.warning(
                "rollback found the database connection closed; the database ended the "
                "transaction with it (%s)",
                str(error.orig).strip() or type(error.orig).__name__,
            )

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def after_commit(self, effect: Callable[[], None]) -> None:
        self._after_commit.append(effect)

    def on_rollback(self, undo: Callable[[], None]) -> None:
        self._on_rollback.append(undo)
