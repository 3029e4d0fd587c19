"""At least once, with the schedule's waits: a receiver that fails twice then succeeds
gets exactly one successful delivery; one that never succeeds fails the delivery after
the last attempt; an attempt already recorded is not made again; a destination that now
resolves to a private address is refused at send time. Time moves by the injected clock."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.jobs import Job, WorkerPool, enqueue
from minirelease.uow import UnitOfWork
from minirelease.webhooks import schedule, service
from minirelease.webhooks.destinations import IPAddress
from minirelease.webhooks.models import WebhookDelivery
from minirelease.webhooks.outbox import DELIVERY_JOB
from minirelease.webhooks.worker import WebhookWorkers
from tests.clock import FakeClock
from tests.factories import Actor, Factory
from tests.webhooks.receiver import Receiver

API = "/api/v1"


def _pool(
    session_factory: sessionmaker[Any], clock: FakeClock, workers: WebhookWorkers | None = None
) -> WorkerPool:
    workers = workers or WebhookWorkers(allow_private=True)
    return WorkerPool(session_factory, workers.handlers(), clock=clock)


def _pinged(client: TestClient, factory: Factory, receiver: Receiver) -> tuple[Actor, str, str]:
    workspace, owner = factory.workspace()
    created = client.post(
        f"{API}/workspaces/{workspace.id}/webhooks",
        json={"url": receiver.url + "/hook", "events": ["*"]},
        headers=owner.headers,
    ).json()
    receiver.secrets.append(created["secret"])
    pinged = client.post(f"{API}/webhooks/{created['id']}/ping", headers=owner.headers).json()
    return owner, created["id"], pinged["id"]


def _detail(client: TestClient, owner: Actor, webhook_id: str, delivery_id: str) -> Any:
    response = client.get(
        f"{API}/webhooks/{webhook_id}/deliveries/{delivery_id}", headers=owner.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))


def test_fails_twice_then_succeeds_exactly_once(
    client: TestClient,
    factory: Factory,
    receiver: Receiver,
    session_factory: sessionmaker[Any],
    clock: FakeClock,
) -> None:
    receiver.answers[:] = [500, 503]
    receiver.now = lambda: clock.now().timestamp()
    owner, webhook_id, delivery_id = _pinged(client, factory, receiver)
    pool = _pool(session_factory, clock)

    assert pool.run_pending() == 1
    assert pool.run_pending() == 0  # the retry is not due yet
    first = _detail(client, owner, webhook_id, delivery_id)
    assert first["status"] == "pending" and first["attempts"] == 1
    assert first["last_status_code"] == 500 and first["last_error"] == "the receiver answered 500"
    assert first["next_attempt_at"] == (clock.now() + dt.timedelta(seconds=5)).isoformat().replace(
        "+00:00", "Z"
    )

    clock.advance(seconds=5)
    assert pool.run_pending() == 1
    clock.advance(seconds=299)
    assert pool.run_pending() == 0  # the second wait is 5 minutes
    clock.advance(seconds=1)
    assert pool.run_pending() == 1
    clock.advance(hours=30)
    assert pool.run_pending() == 0  # nothing more: it succeeded

    assert [r.answered for r in receiver.received] == [500, 503, 200]
    assert len(receiver.successes()) == 1
    assert all(r.verified for r in receiver.received)
    assert {r.msg_id for r in receiver.received} == {delivery_id}  # stable across retries
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3  # signed afresh each time

    done = _detail(client, owner, webhook_id, delivery_id)
    assert done["status"] == "succeeded" and done["attempts"] == 3
    assert done["next_attempt_at"] is None and done["finished_at"] is not None
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in done["attempt_log"]] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]


def test_a_receiver_that_never_succeeds_fails_the_delivery_after_the_schedule(
    client: TestClient,
    factory: Factory,
    receiver: Receiver,
    session_factory: sessionmaker[Any],
    clock: FakeClock,
) -> None:
    receiver.answers[:] = [500] * 20
    owner, webhook_id, delivery_id = _pinged(client, factory, receiver)
    pool = _pool(session_factory, clock)
    started = clock.now()
    assert pool.run_pending() == 1
    for delay in schedule.RETRY_DELAYS:
        clock.advance(seconds=delay.total_seconds())
        assert pool.run_pending() == 1
    clock.advance(days=2)
    assert pool.run_pending() == 0
    assert len(receiver.received) == schedule.MAX_ATTEMPTS == 8
    assert clock.now() - started <= dt.timedelta(hours=24, days=2)
    failed = _detail(client, owner, webhook_id, delivery_id)
    assert failed["status"] == "failed" and failed["attempts"] == 8
    assert failed["next_attempt_at"] is None and len(failed["attempt_log"]) == 8


def test_an_attempt_already_recorded_is_not_made_again(
    client: TestClient,
    factory: Factory,
    receiver: Receiver,
    session_factory: sessionmaker[Any],
    clock: FakeClock,
) -> None:
    _, _, delivery_id = _pinged(client, factory, receiver)
    pool = _pool(session_factory, clock)
    assert pool.run_pending() == 1
    # The job of attempt 1 runs again, as after a worker died once it had recorded it.
    with UnitOfWork(session_factory) as uow:
        enqueue(uow.session, kind=DELIVERY_JOB, subject_id=delivery_id, payload={"attempt": 1})
        uow.commit()
    assert pool.run_pending() == 1
    assert len(receiver.received) == 1


def _resolving_to(address: str) -> Any:
    def resolve(host: str, port: int) -> Sequence[IPAddress]:
        return [ipaddress.ip_address(address)]

    return resolve


def test_a_destination_that_now_resolves_privately_is_refused_at_send(
    factory: Factory, receiver: Receiver, session_factory: sessionmaker[Any], clock: FakeClock
) -> None:
    workspace, owner = factory.workspace()
    # Registered while hooks.example.com resolved to a public address …
    with UnitOfWork(session_factory) as uow:
        user = uow.session.get(User, owner.id)
        assert user is not None
        webhook = service.create_webhook(
            uow.session,
            principal_for(uow.session, user),
            workspace_id=workspace.id,
            url=f"https://hooks.example.com:{receiver.port}/hook",
            event_types=["*"],
            resolve=_resolving_to("93.184.216.34"),
        )
        delivery = service.ping(
            uow.session, principal_for(uow.session, user), webhook_id=webhook.id
        )
        uow.commit()
    # … it resolves to loopback by the time of the send (DNS rebinding): refused, not sent.
    workers = WebhookWorkers(allow_private=False, resolve=_resolving_to("127.0.0.1"))
    pool = _pool(session_factory, clock, workers)
    assert pool.run_pending() == 1
    assert receiver.received == []
    with session_factory() as session:
        stored = session.get(WebhookDelivery, delivery.id)
        assert stored is not None and stored.status == "pending" and stored.attempts == 1
        assert stored.last_error is not None and stored.last_error.startswith("refused: url:")
        assert "127.0.0.1" in stored.last_error
        queued = session.scalars(select(Job).where(Job.subject_id == delivery.id)).all()
        assert sorted(j.payload["attempt"] for j in queued) == [1, 2]  # retried on schedule


def _broken_dns(host: str, port: int) -> Sequence[IPAddress]:
    raise RuntimeError("resolver crashed")


def test_a_delivery_whose_job_keeps_crashing_fails_instead_of_staying_pending(
    client: TestClient,
    factory: Factory,
    receiver: Receiver,
    session_factory: sessionmaker[Any],
    clock: FakeClock,
) -> None:
    owner, webhook_id, delivery_id = _pinged(client, factory, receiver)
    workers = WebhookWorkers(allow_private=True, resolve=_broken_dns)
    pool = _pool(session_factory, clock, workers)
    runs = 0
    for _ in range(10):
        runs += pool.run_pending()
        clock.advance(minutes=10)  # past the job queue's own backoff
    assert runs == 5  # the job's runs (outbox.JOB_RUNS), then the failure hook
    failed = _detail(client, owner, webhook_id, delivery_id)
    assert failed["status"] == "failed" and failed["attempts"] == 0
    assert "resolver crashed" in failed["last_error"]
    assert receiver.received == []
