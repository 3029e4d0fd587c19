"""Test Compatibility, Retest and View Report on the release page: starting a run (over
the partner app's whole matrix, or narrowed), its section polling its own progress while
it works, and the stored HTML report opened with the console's session."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from minirelease.api import rate_limits
from minirelease.api.deps import DbSession, Uow
from minirelease.api.routers.releases import get_compatibility_report_html
from minirelease.ratelimits import LimitName
from minirelease.releases import compat_runs
from minirelease.releases.compat_choices import latest_run, matrix_choices, narrowing_of
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.routes import release_view
from minirelease.web.routes.compat_view import compat_context
from minirelease.web.routes.releases import back, notify_jobs
from minirelease.web.templating import PRIVATE_HEADERS, is_htmx, render_block

router = console_router()

Names = Annotated[list[str] | None, Form()]


@router.get("/releases/{release_id}/compatibility")
def compat_fragment(
    request: Request, release_id: str, viewer: Viewer, session: DbSession
) -> Response:
    """The compatibility section alone, which polls itself while its run is queued or
    running. A poll that finds the run ended reloads the page (the release is tested now:
    its steps and buttons moved)."""
    loaded = release_view.load(session, viewer, release_id)
    context = {
        "release": loaded.release,
        "can": loaded.can,
        **compat_context(session, loaded.release, loaded.can),
    }
    run = context["compat"]["run"]
    ended = run is None or not run["active"]
    headers = {"HX-Refresh": "true"} if ended and is_htmx(request) else None
    return render_block(request, "release/_compat.html", "compat", context, headers=headers)


@router.post("/releases/{release_id}/compatibility-runs")
def test_compatibility(
    request: Request,
    release_id: str,
    viewer: Viewer,
    uow: Uow,
    os: Names = None,
    networks: Names = None,
    devices: Names = None,
) -> Response:
    """ "Test Compatibility": a dimension left with nothing ticked takes all of it."""
    rate_limits.count(request, LimitName.COMPAT_RUN, viewer.user_id)
    compat_runs.start_run(
        uow.session,
        viewer,
        release_id=release_id,
        os=os or None,
        networks=networks or None,
        devices=devices or None,
    )
    notify_jobs(request, uow)
    uow.commit()
    return back(release_id, "test", "#compat")


@router.post("/releases/{release_id}/compatibility-runs/retest")
def retest(request: Request, release_id: str, viewer: Viewer, uow: Uow) -> Response:
    """ "Retest": a new run over what the last run covered (the whole matrix, or the same
    narrowing; a dimension it took whole takes what was added to it since)."""
    rate_limits.count(request, LimitName.COMPAT_RUN, viewer.user_id)
    last = latest_run(uow.session, viewer, release_id=release_id)
    narrowing = {}
    if last is not None:
        whole = matrix_choices(uow.session, viewer, release_id=release_id)
        narrowing = narrowing_of(last, whole).as_arguments()
    compat_runs.start_run(uow.session, viewer, release_id=release_id, **narrowing)
    notify_jobs(request, uow)
    uow.commit()
    return back(release_id, "test", "#compat")


@router.get("/releases/{release_id}/compatibility-runs/{run_id}/report")
def view_report(release_id: str, run_id: str, viewer: Viewer, session: DbSession) -> Response:
    """ "View Report": the run's stored HTML page, served as the API serves it (same
    Content-Security-Policy), never cached."""
    response = get_compatibility_report_html(release_id, run_id, viewer, session)
    response.headers.update(PRIVATE_HEADERS)
    return response
