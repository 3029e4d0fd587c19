"""The release page (its first half): the step bar, the build with its log (updating live
while it runs), View Configuration, Apply to Release and Withdraw. Test Compatibility and
its report: compat.py; reviews, Pilot, Grayscale and Cancel: rollout.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from minirelease.api.deps import DbSession, Uow
from minirelease.errors import InvalidTransition, ValidationFailed
from minirelease.releases import review, service
from minirelease.uow import UnitOfWork
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.routes import release_view
from minirelease.web.routes.release_view import NOTICES, FormState
from minirelease.web.templating import is_htmx, render, render_block

router = console_router()

PAGE = "release/page.html"
# Short of the model's column sizes: anything longer is refused by the rules with a message.
TEXT_MAX = 2000


def back(release_id: str, done: str, anchor: str = "") -> RedirectResponse:
    """Post/redirect/get: back to the release page, saying what was done."""
    return RedirectResponse(f"/releases/{release_id}?done={done}{anchor}", status_code=303)


def notify_jobs(request: Request, uow: UnitOfWork) -> None:
    """Wake the workers once the job rows are committed."""
    uow.after_commit(request.app.state.jobs.notify)


def refused_page(
    request: Request,
    uow: UnitOfWork,
    viewer: Viewer,
    release_id: str,
    status: int,
    *,
    configuration_form: FormState | None = None,
    apply_form: FormState | None = None,
) -> Response:
    """The page again with the refused form filled in as sent and the reason next to it;
    nothing of the refused action is kept."""
    uow.session.rollback()
    context = release_view.page_context(
        uow.session,
        viewer,
        release_id,
        configuration_form=configuration_form,
        apply_form=apply_form,
    )
    return render(request, PAGE, context, status_code=status)


@router.get("/releases/{release_id}")
def release_page(
    request: Request, release_id: str, viewer: Viewer, session: DbSession, done: str | None = None
) -> Response:
    context = release_view.page_context(session, viewer, release_id, notice=NOTICES.get(done or ""))
    return render(request, PAGE, context)


@router.get("/releases/{release_id}/build")
def build_fragment(
    request: Request, release_id: str, viewer: Viewer, session: DbSession
) -> Response:
    """The build section alone, which polls itself while the build runs. A poll that finds
    it finished reloads the page: the status, the steps and the buttons moved with it."""
    context = release_view.build_context(release_view.load(session, viewer, release_id))
    finished = context["build"]["finished"]
    headers = {"HX-Refresh": "true"} if finished and is_htmx(request) else None
    return render_block(request, "release/_build.html", "build", context, headers=headers)


@router.post("/releases/{release_id}/configuration")
def save_configuration(
    request: Request,
    release_id: str,
    viewer: Viewer,
    uow: Uow,
    base_library_version: Annotated[str, Form(max_length=100)] = "",
    minify_js: Annotated[str | None, Form(max_length=10)] = None,
    minify_css: Annotated[str | None, Form(max_length=10)] = None,
    source_maps: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    """ "View Configuration" saved: a change rebuilds (a new build number). Unchecked
    boxes are not sent by a browser: absent means off."""
    changes = {
        "minify_js": minify_js is not None,
        "minify_css": minify_css is not None,
        "source_maps": source_maps is not None,
        "base_library_version": base_library_version.strip(),
    }
    before = service.get_release(uow.session, viewer, release_id=release_id).build_number
    try:
        release = service.change_configuration(
            uow.session, viewer, release_id=release_id, changes=changes
        )
    except ValidationFailed as refused:
        field = str(refused.extra.get("field") or "configuration")
        form = FormState(values=changes, errors={field: refused.detail})
        return refused_page(request, uow, viewer, release_id, 422, configuration_form=form)
    rebuilt = release.build_number != before
    notify_jobs(request, uow)
    uow.commit()
    return back(release_id, "configuration" if rebuilt else "unchanged", "#build")


@router.post("/releases/{release_id}/apply")
def apply(
    request: Request,
    release_id: str,
    viewer: Viewer,
    uow: Uow,
    name: Annotated[str | None, Form(max_length=TEXT_MAX)] = None,
    description: Annotated[str | None, Form(max_length=TEXT_MAX)] = None,
    category: Annotated[str | None, Form(max_length=TEXT_MAX)] = None,
) -> Response:
    """ "Apply to Release" with the basic info as edited on the form. A refusal (a field's
    rule, or the compatibility gate) shows the form again, nothing kept."""
    sent = {"name": name, "description": description, "category": category}
    edits = {key: value for key, value in sent.items() if value is not None}
    try:
        review.apply_for_release(uow.session, viewer, release_id=release_id, basic_info=edits)
    except ValidationFailed as refused:
        field = str(refused.extra.get("field") or "basic_info")
        form = FormState(values=edits, errors={field: refused.detail})
        return refused_page(request, uow, viewer, release_id, 422, apply_form=form)
    except InvalidTransition as refused:
        form = FormState(values=edits, refused=refused.detail)
        return refused_page(request, uow, viewer, release_id, 409, apply_form=form)
    uow.commit()
    return back(release_id, "applied", "#apply")


@router.post("/releases/{release_id}/withdraw")
def withdraw(release_id: str, viewer: Viewer, uow: Uow) -> Response:
    review.withdraw(uow.session, viewer, release_id=release_id)
    uow.commit()
    return back(release_id, "withdrawn", "#apply")
