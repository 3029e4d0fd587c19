"""The rollout snapshot a server process answers launches and manifests from, kept fresh
without a database query per request.

- Readers take ``cache.snapshot``: an attribute read, never the database.
- A watcher thread reads the rollout serial every ``poll_seconds`` (one tiny query) and
  updates the snapshot when it moved: changes made by other processes on the same
  database show within ``poll_seconds`` plus one update.
- This process's own commits that bump the serial update it before the commit call
  returns, so a client that changed something reads its change at once.
- An update reads which pairs the changes since the snapshot's serial touched (the change
  table, changes.py) and re-reads only those (delta.py), in one snapshot transaction with
  the serial; a change to a partner app, raw SQL, or a gap in the kept changes (a process
  far behind, or just started) rebuilds the whole snapshot instead.
- On PostgreSQL every bump of the serial also sends a ``NOTIFY`` (serial.py); the app's
  listener (wakeups.py) calls ``wake``, and the watcher reads the serial at once instead
  of at its next poll. Polling stays: it is the only mechanism on SQLite, and the fallback
  for notifications lost while the listener's connection is down.

A session factory bound to a single connection (the tests' transaction per test) cannot
be shared with a second thread, so there no watcher runs: every change on that connection
is made by this process and is seen through the commit listener."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from minirelease.db import READ_ONLY
from minirelease.rollout import serial as rollout_serial
from minirelease.rollout.changes import pairs_between
from minirelease.rollout.delta import apply_changes
from minirelease.rollout.state import EMPTY, RolloutSnapshot, load_snapshot

logger = logging.getLogger(__name__)

SessionFactorySource = Callable[[], sessionmaker[Any]]

# After an update from other processes' changes the watcher rests this long, so that a
# stream of changes (a hundred a second) is applied in batches, a few per update, rather
# than costing the process one update each; they show at most this much later.
BATCH_SECONDS = 0.05


class RolloutCache:
    def __init__(self, sessions: SessionFactorySource, *, poll_seconds: float) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be positive")
        # A source rather than a factory: an app's session factory may be swapped before
        # it starts (the API suites point one app at each test's transaction).
        self._sessions = sessions
        self._poll_seconds = poll_seconds
        self._snapshot: RolloutSnapshot = EMPTY
        self._rebuild_lock = threading.Lock()
        self._stop = threading.Event()
        self._woken = threading.Event()
        self._watcher: threading.Thread | None = None
        self.full_rebuilds = 0  # how the snapshot was kept up to date, for tests and logs
        self.updates = 0

    @property
    def snapshot(self) -> RolloutSnapshot:
        return self._snapshot

    @property
    def watching(self) -> bool:
        """Whether a watcher thread follows other processes' changes."""
        return self._watcher is not None and self._watcher.is_alive()

    def refresh(self) -> bool:
        """Bring the snapshot up to the serial if it moved; whether it did."""
        with self._rebuild_lock, self._reading() as session:
            held = self._snapshot
            serial = rollout_serial.current_serial(session)
            if serial == held.serial:
                return False
            updated = None
            if held is not EMPTY:
                touched = pairs_between(session, held.serial, serial)
                if touched is not None:
                    updated = apply_changes(session, held, serial, touched)
            if updated is None:
                self.full_rebuilds += 1
                history = None if held is EMPTY else held.history
                updated = load_snapshot(session, serial, history)
            else:
                self.updates += 1
            self._snapshot = updated
            return True

    def _reading(self) -> Session:
        """A session whose reads all see one state of the database: the serial, the
        changes and the rows agree (a read-only snapshot transaction; on SQLite, a deferred
        transaction in WAL mode is one)."""
        session: Session = self._sessions()()
        if not self._single_connection():
            options: dict[str, Any] = {READ_ONLY: True}
            if session.get_bind().dialect.name == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"
            session.connection(execution_options=options)
        return session

    def start(self) -> None:
        """Load the first snapshot, then follow changes."""
        self._stop.clear()
        # Loaded afresh even if one is held: a serial names one state only along one
        # database's history (a test's rolled-back transaction can reach it again).
        self._snapshot = EMPTY
        self.refresh()
        rollout_serial.add_commit_listener(self._on_local_commit)
        if not self._single_connection():
            self._watcher = threading.Thread(
                target=self._watch, name="rollout-cache-watcher", daemon=True
            )
            self._watcher.start()

    def wake(self) -> None:
        """Another process changed the rollout (a notification): read the serial now."""
        self._woken.set()

    def stop(self, timeout: float = 10.0) -> None:
        rollout_serial.remove_commit_listener(self._on_local_commit)
        self._stop.set()
        self._woken.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
            self._watcher = None

    def _single_connection(self) -> bool:
        return isinstance(self._sessions().kw.get("bind"), Connection)

    def _on_local_commit(self) -> None:
        self.refresh()

    def _watch(self) -> None:
        failing = False
        while True:
            self._woken.wait(self._poll_seconds)
            self._woken.clear()
            if self._stop.is_set():
                return
            try:
                if self.refresh():
                    self._stop.wait(BATCH_SECONDS)
            except Exception:
                if not failing:  # once per outage, not five times a second
                    logger.exception(
                        "rollout cache refresh failed; still serving serial %s",
                        self._snapshot.serial,
                    )
                failing = True
            else:
                if failing:
                    logger.info("rollout cache refresh works again")
                failing = False
