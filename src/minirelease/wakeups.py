"""Wake-ups between processes on PostgreSQL: ``LISTEN/NOTIFY``.

A change that other processes should act on at once sends ``notify(session, channel)``
in its own transaction: PostgreSQL delivers a notification only when that transaction
commits (and never when it rolls back), so a listener woken by it finds the change. On
SQLite ``notify`` does nothing and processes rely on polling alone.

A ``Listener`` holds one connection of its own per process, listens on the channels it
was given callbacks for, and calls them on each notification. Callbacks must be quick
(set an event, wake a condition). Polling stays the fallback everywhere: a notification
sent while the listener's connection is down is lost, so after every (re)connection all
callbacks are called once, to catch up.

Channels are per database, so each is qualified by the schema the connection works in
(``minirelease_jobs.public``): installations (and test runs) that share a database in
schemas of their own do not wake each other."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

JOBS_CHANNEL = "minirelease_jobs"
ROLLOUT_CHANNEL = "minirelease_rollout"

# How long the listener waits for a notification before it looks whether it should stop.
_WAIT_SECONDS = 0.25


def notify(session: Session, channel: str) -> None:
    """Wake the channel's listeners when the session's transaction commits (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel || '.' || current_schema(), '')"),
            {"channel": channel},
        )


def supported(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Listener:
    def __init__(self, engine: Engine, *, reconnect_seconds: float = 1.0) -> None:
        if not supported(engine):
            raise ValueError(f"LISTEN/NOTIFY needs PostgreSQL, not {engine.dialect.name}")
        self._engine = engine
        self._reconnect_seconds = reconnect_seconds
        self._callbacks: dict[str, list[Callable[[], None]]] = {}
        self._qualified: dict[str, str] = {}  # listened channel → the callbacks' channel
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Set once the first connection listens: tests and start-up wait for it.
        self.listening = threading.Event()

    def on(self, channel: str, callback: Callable[[], None]) -> None:
        if self._thread is not None:
            raise RuntimeError("register callbacks before start()")
        self._callbacks.setdefault(channel, []).append(callback)

    def start(self) -> None:
        if not self._callbacks:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pg-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _connect(self) -> Any:
        args, params = self._engine.dialect.create_connect_args(self._engine.url)
        connection = self._engine.dialect.connect(*args, **params)
        connection.autocommit = True
        schema = connection.execute("SELECT current_schema()").fetchone()[0]
        self._qualified = {f"{channel}.{schema}": channel for channel in self._callbacks}
        for qualified in self._qualified:
            connection.execute(f'LISTEN "{qualified}"')
        return connection

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                connection = self._connect()
            except Exception:
                if not failing:
                    logger.exception("LISTEN connection failed; polling only until it works")
                failing = True
                self._stop.wait(self._reconnect_seconds)
                continue
            if failing:
                logger.info("LISTEN connection works again")
            failing = False
            self.listening.set()
            try:
                self._call_all()  # what was sent while no connection listened
                self._receive(connection)
            except Exception:
                if not self._stop.is_set():
                    logger.exception("LISTEN connection lost; reconnecting")
                    failing = True
                    self._stop.wait(self._reconnect_seconds)
            finally:
                try:
                    connection.close()
                except Exception:
                    logger.debug("closing the LISTEN connection failed", exc_info=True)

    def _receive(self, connection: Any) -> None:
        while not self._stop.is_set():
            for notification in connection.notifies(timeout=_WAIT_SECONDS):
                channel = self._qualified.get(notification.channel)
                if channel is not None:
                    self._call(channel)

    def _call_all(self) -> None:
        for channel in self._callbacks:
            self._call(channel)

    def _call(self, channel: str) -> None:
        for callback in self._callbacks.get(channel, ()):
            try:
                callback()
            except Exception:
                logger.exception("wake-up callback for %s failed", channel)
