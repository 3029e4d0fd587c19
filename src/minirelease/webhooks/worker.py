"""The delivery job: one attempt of one delivery, as the job queue runs it.

Each attempt is a job of its own, whose payload names the attempt's number: a failed
attempt is recorded together with the job of the next one (after the wait schedule.py
says), or with the delivery's failure once the schedule is spent. The handler is
idempotent: an attempt already recorded (its worker died after recording it) is not made
again, and one whose worker died before recording it is made again — at least once."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from minirelease.ids import new_id
from minirelease.jobs import Job, JobContext, JobHandler
from minirelease.uow import UnitOfWork
from minirelease.webhooks import destinations, schedule, sender, signing
from minirelease.webhooks.destinations import Destination, Resolver, WebhookUrlRefused
from minirelease.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from minirelease.webhooks.outbox import DELIVERY_JOB, schedule_attempt
from minirelease.webhooks.sender import AttemptResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookWorkers:
    allow_private: bool = False
    resolve: Resolver = destinations.system_resolver
    timeout: float = sender.TIMEOUT_SECONDS

    def handlers(self) -> dict[str, JobHandler]:
        return {DELIVERY_JOB: JobHandler(run=self.deliver, on_permanent_failure=self.gave_up)}

    def deliver(self, ctx: JobContext) -> None:
        number = int(ctx.payload["attempt"])
        now = ctx.clock()
        with UnitOfWork(ctx.session_factory) as uow:
            found = _due(uow.session, ctx.subject_id, number)
            if found is None:
                return
            delivery, webhook = found
            url, body, msg_id = webhook.url, delivery.body.encode(), delivery.id
            secrets = [webhook.secret]
            if (
                webhook.previous_secret
                and webhook.previous_secret_expires_at
                and (webhook.previous_secret_expires_at > now)
            ):
                secrets.append(webhook.previous_secret)
        timestamp = int(now.timestamp())
        try:
            destination: Destination = destinations.check(
                url, allow_private=self.allow_private, resolve=self.resolve
            )
        except WebhookUrlRefused as refused:
            result = AttemptResult(None, 0, None, f"refused: {refused.detail}")
        else:
            headers = signing.headers(secrets, msg_id, timestamp, body)
            result = sender.send(destination, headers, body, timeout=self.timeout)
        with UnitOfWork(ctx.session_factory) as uow:
            found = _due(uow.session, ctx.subject_id, number, lock=True)
            if found is None:
                return
            _record(uow.session, found[0], number, result, started=now, recorded=ctx.clock())
            uow.commit()

    def gave_up(self, session: Session, job: Job, error: str) -> None:
        """The attempt's job failed for good (its workers kept dying, or recording failed):
        the delivery fails with it rather than stay pending forever."""
        delivery = session.get(WebhookDelivery, job.subject_id)
        if delivery is not None and delivery.status == DeliveryStatus.PENDING:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"delivery job failed: {error}"[:2000]
            delivery.next_attempt_at = None
            delivery.finished_at = delivery.updated_at = job.finished_at or delivery.updated_at


def _due(
    session: Session, delivery_id: str, number: int, *, lock: bool = False
) -> tuple[WebhookDelivery, Webhook] | None:
    """The delivery and its endpoint when attempt ``number`` is still to be made."""
    delivery = session.get(
        WebhookDelivery, delivery_id, with_for_update=lock, populate_existing=lock
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    if delivery.attempts >= number:
        return None  # recorded by a run whose worker died afterwards
    webhook = session.get(Webhook, delivery.webhook_id)
    return None if webhook is None else (delivery, webhook)


def _record(
    session: Session,
    delivery: WebhookDelivery,
    number: int,
    result: AttemptResult,
    *,
    started: dt.datetime,
    recorded: dt.datetime,
) -> None:
    now = recorded
    session.add(
        WebhookAttempt(
            id=new_id("wha"),
            delivery_id=delivery.id,
            number=number,
            started_at=started,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            response_body=result.response_body,
            error=result.error[:2000] if result.error else None,
            succeeded=result.succeeded,
        )
    )
    delivery.attempts = number
    delivery.last_status_code = result.status_code
    delivery.last_duration_ms = result.duration_ms
    delivery.last_response_body = result.response_body
    delivery.last_error = result.error[:2000] if result.error else None
    delivery.updated_at = now
    if result.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        delivery.finished_at = now
        return
    delay = schedule.next_delay(number)
    if delay is None:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.finished_at = now
        logger.warning("webhook delivery %s failed after %d attempts", delivery.id, number)
        return
    schedule_attempt(session, delivery, number + 1, now + delay)
