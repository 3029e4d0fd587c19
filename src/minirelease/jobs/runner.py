"""The in-process runner: a pool of worker threads taking jobs from the database.

Workers wake at once when ``notify`` is called (after a commit that enqueued work:
``uow.after_commit(pool.notify)``) and otherwise poll every ``poll_interval`` seconds.
A housekeeping thread extends the leases of running jobs and runs the reconciler, so
jobs of a worker that died anywhere are picked up again; ``start`` runs it once before
any worker, so a restart resumes what the previous process left unfinished.

Handlers run a job's work in units of work of their own, and must be idempotent: a job
runs again when its worker died before recording the outcome, and a handler gets the
same job (with ``ctx.attempt`` one higher) after it raised. Raising retries the job with
backoff until ``max_attempts``; ``PermanentJobError`` fails it at once. When a job fails
for good its registration's ``on_permanent_failure`` hook runs in that same transaction."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import sessionmaker

from minirelease.jobs.backoff import RetryDelay, retry_delay
from minirelease.jobs.clock import SYSTEM_CLOCK, Clock, StopFlag
from minirelease.jobs.queue import ClaimedJob, FailOutcome, FailureHook, JobQueue
from minirelease.jobs.reconciler import pid_alive
from minirelease.jobs.sqlqueue import DEFAULT_LEASE, SqlJobQueue
from minirelease.jobs.workerid import WorkerId, is_orphaned
from minirelease.uow import UnitOfWork

logger = logging.getLogger(__name__)

# Pool starts live in this process: a job claimed by this pid under another incarnation
# belongs to a pool that was stopped (or to an earlier process that had the same pid).
_live_incarnations: set[str] = set()
_live_lock = threading.Lock()


class PermanentJobError(Exception):
    """Raised by a handler when another attempt cannot help: the job fails at once."""


@dataclass
class JobContext:
    """What a handler gets: the job, the means to do its work, and signals."""

    job: ClaimedJob
    worker_id: str
    session_factory: sessionmaker[Any]
    clock: Callable[[], dt.datetime]  # the pool's ``Clock.now``
    queue: JobQueue
    # Set when the pool is stopping: a long handler may give up early by raising,
    # which gives the job back to the queue instead of failing an attempt.
    stopping: threading.Event
    # Set when the job was taken from this worker (its lease ran out): a long handler
    # may give up early, as its outcome will not be recorded.
    lease_lost: threading.Event = field(default_factory=threading.Event)
    # Set once the handler's outcome committed together with the job's completion.
    completed: threading.Event = field(default_factory=threading.Event)

    @property
    def attempt(self) -> int:
        return self.job.attempt

    @property
    def subject_id(self) -> str:
        return self.job.subject_id

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    def completes_with(self, uow: UnitOfWork) -> bool:
        """Fence a handler's outcome: mark the job succeeded in the outcome's own
        transaction, if this worker still holds it. False when the job was taken from
        this worker (handed back on shutdown, or its lease ran out): the handler then
        records nothing, as the job's next attempt will. Call it before locking the
        subject, so that every transaction takes the job's lock first."""
        if not self.queue.complete_in(uow.session, self.job.id, worker_id=self.worker_id):
            self.lease_lost.set()
            return False
        uow.after_commit(self.completed.set)
        return True

    def heartbeat(self) -> bool:
        """Extend the lease now (the pool also does it periodically)."""
        if self.queue.heartbeat(self.job.id, worker_id=self.worker_id):
            return True
        self.lease_lost.set()
        return False


@dataclass(frozen=True)
class JobHandler:
    run: Callable[[JobContext], None]
    # Moves the subject to its failed status, e.g. release building → build_failed.
    on_permanent_failure: FailureHook | None = None


class Closeable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class StopReport:
    """What ``stop`` did with the jobs that were running when it was called."""

    finished: tuple[str, ...] = ()  # ended (succeeded or failed) within the time allowed
    released: tuple[str, ...] = ()  # handed back to the queue unfinished


class WorkerPool:
    def __init__(
        self,
        session_factory: sessionmaker[Any],
        handlers: Mapping[str, JobHandler],
        *,
        threads: int = 2,
        # What the handlers work with and the pool owns (the compatibility runs' engine
        # processes): closed when the pool stops, once its workers are done or abandoned.
        owns: Sequence[Closeable] = (),
        # What the pool reads the time from and waits on (polls, heartbeats).
        clock: Clock = SYSTEM_CLOCK,
        poll_interval: float = 1.0,
        lease: dt.timedelta = DEFAULT_LEASE,
        retry_delay: RetryDelay = retry_delay,
        node: str | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("a pool needs at least one thread")
        if not handlers:
            raise ValueError("a pool needs at least one handler")
        self._sessions = session_factory
        self._handlers = dict(handlers)
        self._owned = tuple(owns)
        self._threads = threads
        self._clock = clock
        self._poll_interval = poll_interval
        self.queue: JobQueue = SqlJobQueue(
            session_factory, clock=clock, lease=lease, retry_delay=retry_delay
        )
        # Heartbeats come three times per lease, so one late beat does not lose a job.
        self._housekeeping_interval = lease.total_seconds() / 3
        # Node names must differ between machines (and between containers that share
        # a host name but not a process table); the host name is right by default.
        self.node = node or socket.gethostname()
        self._incarnation = secrets.token_hex(4)
        self._wake = threading.Condition()
        self._signals = 0
        self._stopping = threading.Event()
        self._housekeeper_stop = StopFlag()
        self._active: dict[str, JobContext] = {}
        self._active_lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._housekeeper: threading.Thread | None = None
        self._started = False

    def worker_id(self, index: int) -> str:
        return str(WorkerId(self.node, os.getpid(), self._incarnation, index))

    def start(self) -> None:
        if self._started:
            raise RuntimeError("a WorkerPool starts once; make a new one")
        self._started = True
        with _live_lock:
            _live_incarnations.add(self._incarnation)
        self.reconcile()  # before any worker: resume what a dead process left
        for index in range(self._threads):
            worker = threading.Thread(
                target=self._work, args=(index,), name=f"jobs-{index}", daemon=True
            )
            worker.start()
            self._workers.append(worker)
        self._housekeeper = threading.Thread(
            target=self._housekeep, name="jobs-housekeeper", daemon=True
        )
        self._housekeeper.start()

    def stop(self, timeout: float = 30.0) -> StopReport:
        """Let workers finish their current jobs; after ``timeout`` seconds give the
        unfinished ones back to the queue (their threads are abandoned: handlers are
        idempotent, and an abandoned thread's outcome is no longer recorded). What the
        pool owns is closed then, also when it never started (``run_pending`` used it)."""
        report = StopReport()
        if self._started and not self._stopping.is_set():
            report = self._stop_workers(timeout)
        for resource in self._owned:
            resource.close()
        return report

    def _stop_workers(self, timeout: float) -> StopReport:
        self._stopping.set()
        self.notify()
        with self._active_lock:
            running = list(self._active)
        if running:
            logger.info(
                "stopping: waiting up to %g s for %d running job(s) to finish: %s",
                timeout,
                len(running),
                ", ".join(running),
            )
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        with self._active_lock:
            unfinished = list(self._active.values())
        released = tuple(
            ctx.job.id for ctx in unfinished if self._give_back(ctx.job.id, ctx.worker_id)
        )
        left = {ctx.job.id for ctx in unfinished}
        report = StopReport(
            finished=tuple(job_id for job_id in running if job_id not in left), released=released
        )
        if running or released:
            logger.info(
                "stopped: %d job(s) finished, %d handed back to the queue%s",
                len(report.finished),
                len(report.released),
                f" ({', '.join(report.released)})" if report.released else "",
            )
        self._housekeeper_stop.set()
        if self._housekeeper is not None:
            self._housekeeper.join()
        with _live_lock:
            _live_incarnations.discard(self._incarnation)
        return report

    def run_pending(self, limit: int = 100) -> int:
        """Run due jobs one after another in the calling thread, without starting the pool:
        for tests inside one transaction, and for one-shot workers. Returns how many ran."""
        worker_id = self.worker_id(0)
        ran = 0
        while ran < limit:
            job = self.queue.claim(worker_id, self._handlers)
            if job is None:
                break
            self._run(job, worker_id)
            ran += 1
        return ran

    def notify(self) -> None:
        """Wake idle workers: new jobs were committed."""
        with self._wake:
            self._signals += 1
            self._wake.notify_all()

    def reconcile(self) -> None:
        hooks = {kind: handler.on_permanent_failure for kind, handler in self._handlers.items()}
        result = self.queue.reconcile(hooks, self._is_orphaned)
        for lost in result.requeued:
            logger.warning(
                "re-queued %s for attempt %d of %d: %s",
                lost.describe(),
                lost.attempts + 1,
                lost.max_attempts,
                lost.error,
            )
        for lost in result.failed:
            logger.error(
                "%s failed for good, not run again: the worker of each of its %d attempts "
                "was lost (last: %s)",
                lost.describe(),
                lost.attempts,
                lost.error,
            )
        if result.requeued:
            self.notify()

    def _give_back(self, job_id: str, worker_id: str) -> bool:
        try:
            if self.queue.release(job_id, worker_id=worker_id):
                logger.warning("released unfinished job %s on shutdown", job_id)
                return True
        except Exception:
            logger.exception("could not release job %s; its lease will run out", job_id)
        return False

    def _is_orphaned(self, claimed_by: str) -> bool:
        with _live_lock:
            live = set(_live_incarnations)
        return is_orphaned(
            claimed_by, node=self.node, pid=os.getpid(), live_incarnations=live, pid_alive=pid_alive
        )

    def _work(self, index: int) -> None:
        worker_id = self.worker_id(index)
        while not self._stopping.is_set():
            with self._wake:
                seen = self._signals  # read before claiming: a notify meanwhile counts
            try:
                job = self.queue.claim(worker_id, self._handlers)
            except Exception:
                logger.exception("claiming a job failed; retrying after the poll interval")
                job = None
            if job is None:
                self._idle(seen)
            elif self._stopping.is_set():  # claimed while stop() was looking away
                self._give_back(job.id, worker_id)
            else:
                self._run(job, worker_id)

    def _idle(self, seen: int) -> None:
        """Wait for a notify after ``seen``, the stop, or the poll interval."""
        with self._wake:
            self._clock.wait_for(
                self._wake,
                lambda: self._stopping.is_set() or self._signals != seen,
                self._poll_interval,
            )

    def _run(self, job: ClaimedJob, worker_id: str) -> None:
        handler = self._handlers[job.kind]
        ctx = JobContext(
            job, worker_id, self._sessions, self._clock.now, self.queue, self._stopping
        )
        with self._active_lock:
            self._active[job.id] = ctx
        try:
            self._execute(handler, ctx)
        except Exception:
            # Recording the outcome failed (database unreachable): the lease runs out
            # and the reconciler re-queues the job.
            logger.exception("could not record the outcome of job %s", job.id)
        finally:
            with self._active_lock:
                self._active.pop(job.id, None)

    def _execute(self, handler: JobHandler, ctx: JobContext) -> None:
        job = ctx.job
        try:
            handler.run(ctx)
        except Exception as exc:
            if self._stopping.is_set() and self.queue.release(job.id, worker_id=ctx.worker_id):
                # Most likely the handler gave up because the pool is stopping: the
                # next start runs the job again, without spending an attempt on it.
                logger.warning("job %s gave up during shutdown: released", job.id)
                return
            logger.warning(
                "job %s (%s) attempt %d failed", job.id, job.kind, job.attempt, exc_info=True
            )
            outcome = self.queue.fail(
                job.id,
                worker_id=ctx.worker_id,
                error=f"{type(exc).__name__}: {exc}",
                retry=not isinstance(exc, PermanentJobError),
                on_permanent_failure=handler.on_permanent_failure,
            )
            if outcome is FailOutcome.LOST:
                logger.warning("job %s was taken from worker %s", job.id, ctx.worker_id)
            return
        if ctx.completed.is_set():
            return
        if not self.queue.complete(job.id, worker_id=ctx.worker_id):
            logger.warning("job %s finished after it was taken from %s", job.id, ctx.worker_id)

    def _housekeep(self) -> None:
        while not self._housekeeper_stop.wait(self._clock, self._housekeeping_interval):
            with self._active_lock:
                running = list(self._active.values())
            for ctx in running:
                try:
                    ctx.heartbeat()
                except Exception:
                    logger.exception("heartbeat for job %s failed", ctx.job.id)
            try:
                self.reconcile()
            except Exception:
                logger.exception("reconciling jobs failed; trying again next round")
