"""A request's unit of work, opened only once one of a bounded number of slots is free.

FastAPI runs each sync dependency and the endpoint as separate hops onto its thread
pool; between hops a request keeps its session's connection while it waits for a
thread. Unbounded, 200 requests at once would hold 200 connections, most of them
waiting for one of the 40 threads, and the pool would run dry (a 10 s wait, then an
error). Requests therefore wait here, holding nothing, until one of as many slots as
there are request threads is free (``REQUEST_THREADS``, db.py; the pool has room for
those plus the background threads'). A request that waits longer than the pool's
timeout is answered 503 ``database_busy`` (api/errors.py), as a pool timeout would be."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI, Request
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from minirelease.db import POOL_TIMEOUT_SECONDS, REQUEST_THREADS
from minirelease.uow import UnitOfWork

# Requests that only read: their transaction takes no write lock on SQLite (uow.py).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "minirelease_writes"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes(endpoint: Endpoint) -> Endpoint:
    """Marks a GET endpoint that writes (one that audits what it serves): its unit of work
    takes SQLite's write lock at once. A read-only transaction that writes later fails
    at once when another one committed since it began (busy_timeout cannot help)."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def _read_only(request: Request) -> bool:
    endpoint = request.scope.get("endpoint")
    return request.method in READ_METHODS and not getattr(endpoint, _WRITES, False)


def open_slots(app: FastAPI) -> None:
    """Called from the lifespan: the semaphore belongs to the event loop serving the
    app. An app served without its lifespan (some tests) runs without slots."""
    app.state.database_slots = anyio.Semaphore(REQUEST_THREADS)


async def unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    slots: anyio.Semaphore | None = getattr(request.app.state, "database_slots", None)
    if slots is not None:
        try:
            with anyio.fail_after(POOL_TIMEOUT_SECONDS):
                await slots.acquire()
        except TimeoutError as timeout:
            raise PoolTimeoutError(
                f"no database slot free within {POOL_TIMEOUT_SECONDS} s"
            ) from timeout
    try:
        uow = UnitOfWork(request.app.state.session_factory, read_only=_read_only(request))
        uow.__enter__()  # makes a session; it connects at its first statement
        try:
            yield uow
        except BaseException as error:
            await _exit(uow, error)
            raise
        await _exit(uow, None)
    finally:
        if slots is not None:
            slots.release()


async def _exit(uow: UnitOfWork, error: BaseException | None) -> None:
    # Rollback and close are I/O: on a thread, and on one of their own (as FastAPI does
    # for a sync dependency's exit), so a full thread pool cannot keep a request from
    # handing its connection back; shielded, so a cancelled request still hands it back.
    exit_limiter = anyio.CapacityLimiter(1)
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(
            uow.__exit__,
            type(error) if error is not None else None,
            error,
            error.__traceback__ if error is not None else None,
            limiter=exit_limiter,
        )
