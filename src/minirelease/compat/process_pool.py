"""Child processes of one command, owned by a job runner: at most ``size`` at once, started
when first needed, each asked one request at a time, reused for ``runs_per_process``
requests, and dropped as soon as one ends badly (a crash, a limit, a broken answer).

``process()`` lends one out; ``close()`` stops them all, idle or busy, and from then on
lending raises ``PoolClosed``, also to a borrower whose child it just killed: a stopping
job runner interrupts the work under way, and nobody takes that for the package's fault."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from minirelease.compat.child_process import MIB, ChildProcess, ProcessStopped


class PoolClosed(Exception):
    """The pool was closed: no request can start or finish in its processes."""


@dataclass(frozen=True)
class ProcessLimits:
    """What is enforced on each child, from outside it."""

    # Resident memory of the child (for the engine: V8, its heap, array buffers and
    # Python): past it, the child is killed.
    memory_bytes: int
    # A child answers this many requests, then a fresh one takes its place: whatever a
    # request leaks or leaves behind in a process does not accumulate.
    runs_per_process: int = 100

    def __post_init__(self) -> None:
        if self.memory_bytes < 64 * MIB:
            raise ValueError("a child process needs at least 64 MiB")
        if self.runs_per_process < 1:
            raise ValueError("runs_per_process must be at least 1")


class ProcessPool:
    def __init__(self, size: int, command: Sequence[str], limits: ProcessLimits) -> None:
        if size < 1:
            raise ValueError("a process pool needs at least one process")
        self.limits = limits
        self._command = tuple(command)
        self._size = size
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[ChildProcess] = []
        self._live: set[ChildProcess] = set()
        self._closed = False

    @contextmanager
    def process(self) -> Iterator[ChildProcess]:
        """A child to ask one request of; given back for reuse unless the block raised."""
        with self._slots:
            child = self._take()
            try:
                yield child
            except ProcessStopped:
                self._forget(child)
                if self._closed:  # killed by close(), not by what it was doing
                    raise PoolClosed from None
                raise
            except BaseException:
                self._forget(child)
                child.kill()
                raise
            child.runs += 1
            self._give_back(child)

    def prestart(self) -> None:
        """Start the missing processes now, not at first use: a process's start-up
        (interpreter, imports, its own children) then overlaps the wait for work instead
        of delaying the first requests of a long-lived owner."""
        with self._lock:
            missing = 0 if self._closed else self._size - len(self._live)
        for _ in range(missing):
            child = ChildProcess(self._command)
            with self._lock:
                if self._closed or len(self._live) >= self._size:
                    surplus = True
                else:
                    surplus = False
                    self._live.add(child)
                    self._idle.append(child)
            if surplus:
                child.close()
                return

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = self._live - set(idle)
            self._live.clear()
        for child in idle:
            child.close()
        for child in busy:  # its borrower sees the end, and PoolClosed
            child.interrupt()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return sorted(child.pid for child in self._live)

    def _take(self) -> ChildProcess:
        with self._lock:
            if self._closed:
                raise PoolClosed
            if self._idle:
                return self._idle.pop()
        child = ChildProcess(self._command)
        with self._lock:
            closed = self._closed
            if not closed:
                self._live.add(child)
        if closed:  # close() ran while this child was starting
            child.kill()
            raise PoolClosed
        return child

    def _give_back(self, child: ChildProcess) -> None:
        with self._lock:
            keep = not self._closed and child.runs < self.limits.runs_per_process
            if keep:
                self._idle.append(child)
            else:
                self._live.discard(child)
        if not keep:
            child.close()

    def _forget(self, child: ChildProcess) -> None:
        with self._lock:
            self._live.discard(child)
