"""The engine processes of a job runner: at most ``size`` at once, started when first
needed, each answering one run at a time and replaced after ``runs_per_process`` runs or
as soon as it crashes, hangs or outgrows its memory. The process that owns the pool never
loads the engine, so nothing a package's JavaScript does to V8 can take it down.

``run`` returns the engine's ``EngineRun``, or raises ``EngineStopped`` saying why there
is none; the smoke test reports that as ``runtime-crashed`` for the cells concerned. Once
the pool is closing (its job runner stops), ``run`` raises ``EnginePoolClosed`` instead:
the job is interrupted, not its package at fault."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from minirelease.compat.runtime.limits import HEAP_LIMIT_BYTES, ProcessLimits
from minirelease.compat.runtime.network import Network
from minirelease.compat.runtime.process import COMMAND, EngineProcess, EngineStopped
from minirelease.compat.runtime.results import EngineRun, MalformedRun
from minirelease.compat.runtime.scripts import Scripts

logger = logging.getLogger(__name__)

__all__ = ["EnginePool", "EnginePoolClosed", "EngineStopped"]


class EnginePoolClosed(Exception):
    """The pool was closed: no engine run can start or finish."""


class EnginePool:
    def __init__(
        self,
        size: int,
        limits: ProcessLimits | None = None,
        *,
        command: Sequence[str] = COMMAND,
    ) -> None:
        if size < 1:
            raise ValueError("an engine pool needs at least one process")
        self.limits = limits or ProcessLimits()
        self._command = tuple(command)
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[EngineProcess] = []
        self._live: set[EngineProcess] = set()
        self._closed = False

    def run(
        self,
        scripts: Scripts,
        *,
        pages: Sequence[str],
        jsapis: Iterable[str],
        network: Network,
        time_budget_ms: int,
        heap_limit_bytes: int = HEAP_LIMIT_BYTES,
    ) -> EngineRun:
        request: dict[str, Any] = {
            "scripts_key": scripts.key,
            "pages": list(pages),
            "jsapis": sorted(jsapis),
            "network": network.as_json(),
            "time_budget_ms": time_budget_ms,
            "memory_limit_bytes": heap_limit_bytes,
        }
        timeout = time_budget_ms / 1000 + self.limits.grace_seconds
        try:
            return self._ask(scripts, request, timeout)
        except EngineStopped as stopped:
            if stopped.limit is not None:
                raise
            # A crash may be the engine's own and pass (V8 has had races at start-up):
            # one more try on a fresh process before the run is reported as crashed.
            logger.warning("engine process crashed, trying once more: %s", stopped.reason)
            try:
                return self._ask(scripts, request, timeout)
            except EngineStopped as again:
                if again.limit is None:
                    raise EngineStopped(f"{again.reason}, and again on a fresh process") from None
                raise

    def close(self) -> None:
        """Stop every engine process, busy or idle; ``run`` raises ``EnginePoolClosed``
        from then on, and in the runs under way."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = self._live - set(idle)
            self._live.clear()
        for process in idle:
            process.close()
        for process in busy:  # a job still inside a run gets EnginePoolClosed
            process.interrupt()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return sorted(process.pid for process in self._live)

    def _ask(self, scripts: Scripts, request: dict[str, Any], timeout: float) -> EngineRun:
        with self._slots:
            process = self._take()
            message = dict(request)
            if process.scripts_key != scripts.key:
                message["scripts"] = dict(scripts.sources)
            try:
                answer = process.ask(
                    message, timeout=timeout, memory_bytes=self.limits.memory_bytes
                )
                run = _run_of(answer)
            except EngineStopped as stopped:
                self._forget(process)
                if self._closed:  # killed by close(), not by what it was running
                    raise EnginePoolClosed from None
                logger.warning("engine process %d: %s", process.pid, stopped.reason)
                raise
            except Exception:
                self._forget(process)
                process.kill()
                raise
            process.scripts_key = scripts.key
            process.runs += 1
            self._give_back(process)
            return run

    def _take(self) -> EngineProcess:
        with self._lock:
            if self._closed:
                raise EnginePoolClosed
            if self._idle:
                return self._idle.pop()
        process = EngineProcess(self._command)
        with self._lock:
            self._live.add(process)
        return process

    def _give_back(self, process: EngineProcess) -> None:
        with self._lock:
            keep = not self._closed and process.runs < self.limits.runs_per_process
            if keep:
                self._idle.append(process)
            else:
                self._live.discard(process)
        if not keep:
            process.close()

    def _forget(self, process: EngineProcess) -> None:
        with self._lock:
            self._live.discard(process)


def _run_of(answer: Any) -> EngineRun:
    if isinstance(answer, dict) and "error" in answer:
        raise RuntimeError(f"the engine process failed: {answer['error']}")
    if not isinstance(answer, dict) or "run" not in answer:
        raise MalformedRun("an engine answer holds a run or an error")
    return EngineRun.from_json(answer["run"])
