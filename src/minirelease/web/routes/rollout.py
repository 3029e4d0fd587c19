"""The release page's second half: review decisions, Pilot, Grayscale and its controls,
the ramp plan and its health gate, charts, and Cancel.

The release page (routes/releases.py) merges ``rollout_context`` into its own context and
includes ``release/_rollout.html``. Each form here posts to the API's path without
``/api/v1``, calls the same service function as the API, then goes back to the page (303),
or, for htmx, answers with the section re-rendered (its root is ``#rollout``), an
``HX-Trigger: release-changed`` event, and ``HX-Refresh`` when the status changed (the
page's status and steps moved with it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minirelease.api.deps import DbSession, Uow
from minirelease.authz import Principal
from minirelease.db import utcnow
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases import rollout_actions, service
from minirelease.releases.models import Release
from minirelease.releases.ramp_schemas import ramp_read
from minirelease.releases.state import Status
from minirelease.uow import UnitOfWork
from minirelease.web import rollout_forms
from minirelease.web.auth import Viewer
from minirelease.web.rollout_charts import launch_chart, percentage_chart
from minirelease.web.rollout_view import can_manage, offered, reviews
from minirelease.web.router import console_router
from minirelease.web.templating import is_htmx, render

router = console_router()

TEMPLATE = "release/_rollout.html"
CHANGED_EVENT = "release-changed"
# Statuses with something to chart: the release reached (or could reach) users.
CHARTED = frozenset(
    {
        Status.APPROVED,
        Status.PILOT,
        Status.GRAYSCALE,
        Status.RELEASED,
        Status.ARCHIVED,
        Status.ROLLED_BACK,
        Status.CANCELED,
    }
)


def rollout_context(
    session: Session, viewer: Principal, release: Release, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What ``release/_rollout.html`` needs, under the one key ``rollout``. ``release``
    is the row the page loaded for ``viewer`` (who may read it)."""
    now = now or utcnow()
    partner = session.get(PartnerApp, release.partner_app_id)
    status = Status(release.status)
    manage = can_manage(session, viewer, release)
    actions = None
    if manage:
        program = session.get(MiniProgram, release.mini_program_id)
        testers = [str(t) for t in program.tester_user_ids] if program else []
        actions = offered(session, release, testers)
    context: dict[str, Any] = {
        "release_id": release.id,
        "status": status.value,
        "percentage": release.basis_points / 100,
        "paused": release.paused,
        "halted": release.halted,
        "grayscale_started_at": release.grayscale_started_at,
        "pilot_testers": list(release.pilot_tester_ids),
        "reviews": reviews(release, partner.code if partner else ""),
        "reviewed": release.basic_info is not None,
        "deadline_days": partner.grayscale_deadline_days if partner else None,
        "manage": manage,
        "actions": actions,
        "ramp": ramp_read(session, release, now),
        "charts": None,
    }
    if status in CHARTED:
        percentage, changes = percentage_chart(session, release, now)
        launches, totals = launch_chart(session, release, changes, now)
        context["charts"] = {"percentage": percentage, "launches": launches, "totals": totals}
    return {"rollout": context}


@router.get("/releases/{release_id}/rollout")
def rollout_section(
    request: Request, release_id: str, viewer: Viewer, session: DbSession
) -> Response:
    """The section alone: what htmx swaps in (after an action, or to refresh a running
    ramp plan and its gate)."""
    release = service.get_release(session, viewer, release_id=release_id)
    return render(request, TEMPLATE, rollout_context(session, viewer, release))


def _status(session: Session, viewer: Principal, release_id: str) -> str:
    return service.get_release(session, viewer, release_id=release_id).status


def _answer(
    request: Request, uow: UnitOfWork, viewer: Principal, release_id: str, before: str
) -> Response:
    """Commit; then back to the page, or the section re-rendered for htmx. A changed
    status changes the rest of the page too (status, steps): htmx then reloads it."""
    uow.commit()
    if not is_htmx(request):
        return RedirectResponse(f"/releases/{release_id}#rollout", status_code=303)
    release = service.get_release(uow.session, viewer, release_id=release_id)
    headers = {"HX-Trigger": CHANGED_EVENT}
    if release.status != before:
        headers["HX-Refresh"] = "true"
    return render(request, TEMPLATE, rollout_context(uow.session, viewer, release), headers=headers)


@router.post("/releases/{release_id}/pilot")
def pilot(
    request: Request,
    release_id: str,
    viewer: Viewer,
    uow: Uow,
    tester_user_ids: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Start a pilot, or replace a running pilot's testers (``rollout_actions.pilot``
    decides which, for the API too)."""
    before = _status(uow.session, viewer, release_id)
    rollout_actions.pilot(
        uow.session,
        viewer,
        release_id=release_id,
        tester_user_ids=rollout_forms.tester_ids(tester_user_ids),
    )
    return _answer(request, uow, viewer, release_id, before)


@router.post("/releases/{release_id}/grayscale")
def grayscale(
    request: Request,
    release_id: str,
    viewer: Viewer,
    uow: Uow,
    percentage: Annotated[str, Form(max_length=20)] = "",
    plan_steps: Annotated[str, Form(max_length=2000)] = "",
    gate: Annotated[str, Form(max_length=10)] = "",
    gate_ratio: Annotated[str, Form(max_length=20)] = "",
    gate_delta: Annotated[str, Form(max_length=20)] = "",
    gate_min_samples: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Start or raise the grayscale to ``percentage``; or start it with a ramp plan."""
    before = _status(uow.session, viewer, release_id)
    plan = None
    if plan_steps.strip():
        plan = rollout_forms.plan(
            plan_steps,
            gated=bool(gate),
            ratio=gate_ratio,
            delta_points=gate_delta,
            min_samples=gate_min_samples,
        )
    rollout_actions.set_grayscale(
        uow.session,
        viewer,
        release_id=release_id,
        percentage=percentage.strip() or None,
        plan=plan,
    )
    return _answer(request, uow, viewer, release_id, before)


PlainAction = Callable[..., Release]

# The actions that take nothing but the release, at the API's paths.
_PLAIN: dict[str, PlainAction] = {
    "pilot/complete": rollout_actions.complete_pilot,
    "pause": rollout_actions.pause,
    "resume": rollout_actions.resume,
    "halt": rollout_actions.halt,
    "full-release": rollout_actions.full_release,
    "cancel": rollout_actions.cancel,
}


def _plain_endpoint(act: PlainAction) -> Callable[..., Response]:
    def endpoint(request: Request, release_id: str, viewer: Viewer, uow: Uow) -> Response:
        before = _status(uow.session, viewer, release_id)
        act(uow.session, viewer, release_id=release_id)
        return _answer(request, uow, viewer, release_id, before)

    return endpoint


for _path, _act in _PLAIN.items():
    router.add_api_route(
        f"/releases/{{release_id}}/{_path}",
        _plain_endpoint(_act),
        methods=["POST"],
        name=f"console_release_{_path.replace('/', '_').replace('-', '_')}",
    )
