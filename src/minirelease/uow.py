"""Unit of work: one transaction per request or command. Leaving the block without
``commit()`` rolls everything back; side effects registered with ``after_commit`` run
only once the data they describe is durable, and ``on_rollback`` undoes work outside
the database (files written for an upload that did not commit)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Any]) -> None:
        self._session_factory = session_factory
        self._after_commit: list[Callable[[], None]] = []
        self._on_rollback: list[Callable[[], None]] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session: Session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.session.rollback()
                for undo in reversed(self._on_rollback):
                    undo()
        finally:
            self.session.close()
        if self._committed and exc_type is None:
            for effect in self._after_commit:
                effect()

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def after_commit(self, effect: Callable[[], None]) -> None:
        self._after_commit.append(effect)

    def on_rollback(self, undo: Callable[[], None]) -> None:
        self._on_rollback.append(undo)
