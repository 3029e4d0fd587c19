"""The mini program page: basic info, domain whitelists and testers, each a plain form
saved through ``miniprograms.service.update_mini_program`` (as the API's PATCH). A refused
form is shown again as typed, with each error next to its field: for a whitelist, every
bad entry with the rule it breaks (miniprograms/domains.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minirelease.api.deps import DbSession, Uow
from minirelease.api.errors import STATUS_BY_CODE
from minirelease.authz import Principal
from minirelease.errors import Conflict, ValidationFailed
from minirelease.miniprograms import domains, service
from minirelease.uow import UnitOfWork
from minirelease.web.auth import Viewer
from minirelease.web.form_input import Line, entry_lines
from minirelease.web.router import console_router
from minirelease.web.routes.miniprogram_context import mini_program_context
from minirelease.web.templating import render

router = console_router()

NOTICES = {
    "basic-info": "Basic info saved.",
    "domains": "Domain whitelists saved.",
    "testers": "Testers saved.",
    "icon": "Icon saved.",
    "confirmed": "Confirmed: one release per chosen partner app was created. Follow each "
    "under Releases.",
}
TEXT = Annotated[str, Form(max_length=20_000)]


def page(
    request: Request,
    session: Session,
    viewer: Principal,
    mini_program_id: str,
    *,
    notice: str | None = None,
    form: tuple[str, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    problems: dict[str, list[dict[str, Any]]] | None = None,
    status_code: int = 200,
) -> Response:
    """The page; after a refused form, that form as typed and its errors."""
    context = mini_program_context(session, viewer, mini_program_id)
    if form is not None:
        name, values = form
        context["forms"][name] = values
    context.update(notice=notice, errors=errors or {}, problems=problems or {})
    return render(request, "miniprogram/page.html", context, status_code=status_code)


def refused(
    request: Request,
    uow: UnitOfWork,
    viewer: Principal,
    mini_program_id: str,
    exc: ValidationFailed | Conflict,
    **shown: Any,
) -> Response:
    """The page again after ``exc``, with the refused form: nothing of it was saved."""
    uow.session.rollback()
    status = STATUS_BY_CODE[exc.code]
    return page(request, uow.session, viewer, mini_program_id, status_code=status, **shown)


def back(mini_program_id: str, saved: str) -> Response:
    return RedirectResponse(f"/mini-programs/{mini_program_id}?saved={saved}", status_code=303)


@router.get("/mini-programs/{mini_program_id}")
def mini_program_page(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    session: DbSession,
    saved: str | None = None,
) -> Response:
    return page(request, session, viewer, mini_program_id, notice=NOTICES.get(saved or ""))


@router.post("/mini-programs/{mini_program_id}/basic-info")
def save_basic_info(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    name: TEXT = "",
    description: TEXT = "",
    category: TEXT = "",
) -> Response:
    values = {"name": name, "description": description, "category": category}
    try:
        service.update_mini_program(uow.session, viewer, mini_program_id=mini_program_id, **values)
    except (ValidationFailed, Conflict) as exc:
        field = str(exc.extra.get("field", "name"))
        return refused(
            request,
            uow,
            viewer,
            mini_program_id,
            exc,
            form=("basic", values),
            errors={field: exc.detail},
        )
    uow.commit()
    return back(mini_program_id, "basic-info")


def _whitelist_problems(lines: dict[str, list[Line]]) -> dict[str, list[dict[str, Any]]]:
    """Every bad entry of each list, with its line in the textarea."""
    shown: dict[str, list[dict[str, Any]]] = {}
    for list_name, entries in lines.items():
        texts = [line.text for line in entries]
        shown[list_name] = [
            {
                "line": entries[problem.index].number,
                "entry": problem.entry,
                "rule": problem.rule,
                "reason": problem.reason,
            }
            for problem in domains.whitelist_problems(list_name, texts)
        ]
    return shown


@router.post("/mini-programs/{mini_program_id}/domains")
def save_domains(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    server_domains: TEXT = "",
    h5_domains: TEXT = "",
) -> Response:
    typed = {"server_domains": server_domains, "h5_domains": h5_domains}
    lines = {name: entry_lines(text) for name, text in typed.items()}
    try:
        service.update_mini_program(
            uow.session,
            viewer,
            mini_program_id=mini_program_id,
            server_domains=[line.text for line in lines["server_domains"]],
            h5_domains=[line.text for line in lines["h5_domains"]],
        )
    except ValidationFailed as exc:
        field = str(exc.extra.get("field", ""))
        # A whole-list refusal (too many entries) is the field's error; entry refusals
        # are shown one by one, for both lists at once.
        errors = {field: exc.detail} if "index" not in exc.extra else {}
        return refused(
            request,
            uow,
            viewer,
            mini_program_id,
            exc,
            form=("domains", typed),
            errors=errors,
            problems=_whitelist_problems(lines),
        )
    uow.commit()
    return back(mini_program_id, "domains")


@router.post("/mini-programs/{mini_program_id}/testers")
def save_testers(
    mini_program_id: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    tester_user_ids: TEXT = "",
) -> Response:
    lines = entry_lines(tester_user_ids)
    try:
        service.update_mini_program(
            uow.session,
            viewer,
            mini_program_id=mini_program_id,
            tester_user_ids=[line.text for line in lines],
        )
    except ValidationFailed as exc:
        index = exc.extra.get("index")
        where = f"Line {lines[index].number}: " if isinstance(index, int) else ""
        return refused(
            request,
            uow,
            viewer,
            mini_program_id,
            exc,
            form=("testers", {"tester_user_ids": tester_user_ids}),
            errors={"tester_user_ids": where + exc.detail},
        )
    uow.commit()
    return back(mini_program_id, "testers")
