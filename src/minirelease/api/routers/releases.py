"""Releases: Choose App, View Configuration, Test Compatibility / View Report, Apply,
reviews, release preparation and release (design §3, §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from minirelease.accounts import service as accounts
from minirelease.api import rate_limits
from minirelease.api.deps import (
    CurrentUser,
    CurrentUserOrSession,
    DbSession,
    Now,
    Uow,
    UserToken,
)
from minirelease.api.paging import PageRead, Paging, page_read
from minirelease.authz import Principal
from minirelease.errors import NotFound
from minirelease.ratelimits import LimitName
from minirelease.releases import compat_runs, queries, review, rollout_actions, service
from minirelease.releases.allowed import allowed_for_page
from minirelease.releases.models import Release
from minirelease.releases.schemas import (
    ApplyRequest,
    GrayscaleRequest,
    PilotRequest,
    ReleaseCreate,
    ReleaseRead,
    ReviewCreate,
    RunRead,
    release_read,
    run_read,
)
from minirelease.releases.state import Status
from minirelease.schemas import Body
from minirelease.uow import UnitOfWork

router = APIRouter(tags=["releases"])


def _notify_jobs(request: Request, uow: UnitOfWork) -> None:
    """Wake the workers once the job rows are committed."""
    uow.after_commit(request.app.state.jobs.notify)


def _done(uow: UnitOfWork, release: Release, principal: Principal, now: dt.datetime) -> ReleaseRead:
    read = release_read(uow.session, release, principal, now=now)
    uow.commit()
    return read


@router.post("/mini-programs/{mini_program_id}/releases", status_code=201)
def create_release(
    mini_program_id: str,
    body: ReleaseCreate,
    principal: CurrentUser,
    uow: Uow,
    request: Request,
    now: Now,
) -> ReleaseRead:
    release = service.create_release(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        version=body.version,
        partner_app=body.partner_app,
    )
    _notify_jobs(request, uow)
    return _done(uow, release, principal, now)


@router.get("/mini-programs/{mini_program_id}/releases")
def list_releases(
    mini_program_id: str, principal: CurrentUser, session: DbSession, page: Paging, now: Now
) -> PageRead[ReleaseRead]:
    releases = service.list_releases(session, principal, mini_program_id=mini_program_id, page=page)
    allowed = allowed_for_page(session, releases, principal)
    return page_read(
        releases, lambda r: release_read(session, r, principal, allowed[r.id], now=now)
    )


@router.get("/releases")
def list_visible_releases(
    principal: CurrentUser,
    session: DbSession,
    page: Paging,
    now: Now,
    status: Annotated[
        list[Status] | None, Query(description="Only these statuses; repeat for several.")
    ] = None,
    partner_app: Annotated[str | None, Query(description="A partner app's code.")] = None,
    mini_program_id: str | None = None,
    awaiting_review: Annotated[
        Literal["platform", "partner"] | None,
        Query(
            description="A review queue: in review without this side's decision. `partner` "
            "is the caller's own queue: the partner apps they review (platform admins: all)."
        ),
    ] = None,
    order: Annotated[
        Literal["newest", "oldest"],
        Query(description="By creation; `oldest` first suits review queues."),
    ] = "newest",
) -> PageRead[ReleaseRead]:
    """The releases the caller may see (as ``GET /releases/{id}`` would show them),
    filtered; every filter given must match."""
    releases = queries.list_releases(
        session,
        principal,
        statuses=status or (),
        partner_app=partner_app,
        mini_program_id=mini_program_id,
        awaiting_review=awaiting_review,
        order=order,
        page=page,
    )
    allowed = allowed_for_page(session, releases, principal)
    return page_read(
        releases, lambda r: release_read(session, r, principal, allowed[r.id], now=now)
    )


def _authenticated(
    request: Request, token: str | None, work: Callable[[UnitOfWork, Principal], ReleaseRead]
) -> ReleaseRead:
    """``work`` in a unit of work of its own, for the caller the token names: what the
    ``Uow`` and ``CurrentUser`` dependencies give, on one worker thread."""
    with UnitOfWork(request.app.state.session_factory) as uow:
        return work(uow, accounts.authenticate(uow.session, token))


# The release read and the plain actions below are the API's hottest routes (a console
# page, a CLI wait loop, a ramp driven by a script). FastAPI runs every sync dependency,
# a sync endpoint and its response's validation each on a worker thread of their own;
# these run as one async endpoint that sends all of their work to one thread instead.
@router.get("/releases/{release_id}")
async def get_release(release_id: str, request: Request, token: UserToken, now: Now) -> ReleaseRead:
    def read(uow: UnitOfWork, principal: Principal) -> ReleaseRead:
        release = service.get_release(uow.session, principal, release_id=release_id)
        return release_read(uow.session, release, principal, now=now)

    return await run_in_threadpool(_authenticated, request, token, read)


@router.get("/releases/{release_id}/configuration")
def get_configuration(
    release_id: str, principal: CurrentUser, session: DbSession
) -> dict[str, Any]:
    return service.get_configuration(session, principal, release_id=release_id)


@router.put("/releases/{release_id}/configuration")
def put_configuration(
    release_id: str,
    body: dict[str, Any],
    principal: CurrentUser,
    uow: Uow,
    request: Request,
    now: Now,
) -> ReleaseRead:
    """Change the build configuration; a change rebuilds the package."""
    release = service.change_configuration(
        uow.session, principal, release_id=release_id, changes=body
    )
    _notify_jobs(request, uow)
    return _done(uow, release, principal, now)


class RunStart(Body):
    """Narrows the matrix; each list left out means all."""

    os: list[str] | None = None  # "android-14", "ios-17"
    networks: list[str] | None = None
    devices: list[str] | None = None


@router.post("/releases/{release_id}/compatibility-runs", status_code=202)
def start_compatibility_run(
    release_id: str,
    principal: CurrentUser,
    uow: Uow,
    request: Request,
    body: RunStart | None = None,
) -> RunRead:
    narrowed = body.model_dump() if body is not None else {}
    rate_limits.count(request, LimitName.COMPAT_RUN, principal.user_id)
    run = compat_runs.start_run(uow.session, principal, release_id=release_id, **narrowed)
    _notify_jobs(request, uow)
    read = run_read(run)
    uow.commit()
    return read


@router.get("/releases/{release_id}/compatibility-runs")
def list_compatibility_runs(
    release_id: str, principal: CurrentUser, session: DbSession, page: Paging
) -> PageRead[RunRead]:
    runs = compat_runs.list_runs(session, principal, release_id=release_id, page=page)
    return page_read(runs, run_read)


@router.get("/releases/{release_id}/compatibility-runs/{run_id}")
def get_compatibility_run(
    release_id: str, run_id: str, principal: CurrentUser, session: DbSession
) -> RunRead:
    return run_read(compat_runs.get_run(session, principal, release_id=release_id, run_id=run_id))


@router.get(
    "/releases/{release_id}/compatibility-runs/{run_id}/report.html", response_class=HTMLResponse
)
def get_compatibility_report_html(
    release_id: str, run_id: str, principal: CurrentUserOrSession, session: DbSession
) -> HTMLResponse:
    """The report as a page for people; opens with a bearer token or, from a link on a
    console page, with the console's session."""
    run = compat_runs.get_run(session, principal, release_id=release_id, run_id=run_id)
    if run.report_html is None and run.status in ("failed", "canceled"):
        raise NotFound(f"run {run.id} {run.status} without a report")
    if run.report_html is None:
        body = f"<!doctype html><title>Report pending</title><p>Run {run.id} is {run.status}.</p>"
        return HTMLResponse(body, status_code=202)
    # The page is self-contained and escaped; the CSP stops anything a package smuggles in.
    return HTMLResponse(
        run.report_html,
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )


@router.post("/releases/{release_id}/apply")
def apply(
    release_id: str, principal: CurrentUser, uow: Uow, now: Now, body: ApplyRequest | None = None
) -> ReleaseRead:
    edits = body.basic_info.model_dump(exclude_none=True) if body and body.basic_info else None
    release = review.apply_for_release(
        uow.session, principal, release_id=release_id, basic_info=edits
    )
    return _done(uow, release, principal, now)


@router.post("/releases/{release_id}/reviews")
def post_review(
    release_id: str, body: ReviewCreate, principal: CurrentUser, uow: Uow, now: Now
) -> ReleaseRead:
    release = review.review(
        uow.session,
        principal,
        release_id=release_id,
        side=body.side,
        decision=body.decision,
        comment=body.comment,
    )
    return _done(uow, release, principal, now)


@router.post("/releases/{release_id}/pilot")
def pilot(
    release_id: str, body: PilotRequest, principal: CurrentUser, uow: Uow, now: Now
) -> ReleaseRead:
    """Start a pilot from release preparation, or replace the testers of a running one."""
    release = rollout_actions.pilot(
        uow.session,
        principal,
        release_id=release_id,
        tester_user_ids=body.tester_user_ids,
        now=now,
    )
    return _done(uow, release, principal, now)


@router.post("/releases/{release_id}/grayscale")
def grayscale(
    release_id: str, body: GrayscaleRequest, principal: CurrentUser, uow: Uow, now: Now
) -> ReleaseRead:
    """Start a grayscale at a percentage (or with a ramp plan), or raise it; 100 releases
    fully."""
    release = rollout_actions.set_grayscale(
        uow.session,
        principal,
        release_id=release_id,
        percentage=body.percentage,
        plan=body.plan.to_spec() if body.plan is not None else None,
        now=now,
    )
    return _done(uow, release, principal, now)


Action = Callable[..., Release]

# Actions that take nothing but the release (and the request's now): one endpoint each,
# same shape.
_PLAIN_ACTIONS: dict[str, tuple[Action, str]] = {
    "withdraw": (review.withdraw, "Withdraw a release request under review"),
    "pilot/complete": (rollout_actions.complete_pilot, "End the pilot: back to preparation"),
    "pause": (rollout_actions.pause, "Freeze the grayscale ramp; users keep their version"),
    "resume": (rollout_actions.resume, "Resume a paused or halted grayscale"),
    "halt": (rollout_actions.halt, "Serve nobody the new version until resumed"),
    "full-release": (rollout_actions.full_release, "Release to everyone now"),
    "cancel": (rollout_actions.cancel, "Cancel: everyone stays on the online version"),
}


def _plain_endpoint(
    act: Action,
) -> Callable[[str, Request, str | None, dt.datetime], Awaitable[ReleaseRead]]:
    async def endpoint(
        release_id: str, request: Request, token: UserToken, now: Now
    ) -> ReleaseRead:
        def work(uow: UnitOfWork, principal: Principal) -> ReleaseRead:
            release = act(uow.session, principal, release_id=release_id, now=now)
            return _done(uow, release, principal, now)

        return await run_in_threadpool(_authenticated, request, token, work)

    return endpoint


for _path, (_act, _summary) in _PLAIN_ACTIONS.items():
    router.add_api_route(
        f"/releases/{{release_id}}/{_path}",
        _plain_endpoint(_act),
        methods=["POST"],
        response_model=ReleaseRead,
        summary=_summary,
        name=f"release_{_path.replace('/', '_').replace('-', '_')}",
    )
