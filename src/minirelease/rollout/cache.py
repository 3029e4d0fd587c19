"""The rollout snapshot a server process answers launches and manifests from, kept fresh
without a database query per request.

- Readers take ``cache.snapshot``: an attribute read, never the database.
- A watcher thread reads the rollout serial every ``poll_seconds`` (one tiny query) and
  rebuilds the snapshot when it moved: changes made by other processes on the same
  database show within ``poll_seconds`` plus one rebuild.
- This process's own commits that bump the serial rebuild it before the commit call
  returns, so a client that changed something reads its change at once.
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
from sqlalchemy.orm import sessionmaker

from minirelease.rollout import serial as rollout_serial
from minirelease.rollout.state import EMPTY, RolloutSnapshot, load_snapshot

logger = logging.getLogger(__name__)

SessionFactorySource = Callable[[], sessionmaker[Any]]


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

    @property
    def snapshot(self) -> RolloutSnapshot:
        return self._snapshot

    @property
    def watching(self) -> bool:
        """Whether a watcher thread follows other processes' changes."""
        return self._watcher is not None and self._watcher.is_alive()

    def refresh(self) -> bool:
        """Rebuild the snapshot if the serial moved; whether it did."""
        with self._rebuild_lock, self._sessions()() as session:
            serial = rollout_serial.current_serial(session)
            if serial == self._snapshot.serial:
                return False
            self._snapshot = load_snapshot(session, serial)
            return True

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
                self.refresh()
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
