"""The platform's own settings, for platform admins: its reviewers and the compatibility
lab's OS, network and device profiles."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from minirelease.accounts.service import user_by_email
from minirelease.api.deps import DbSession, Uow
from minirelease.compat import profile_store
from minirelease.errors import ValidationFailed
from minirelease.partners import service as partners
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.templating import render

router = console_router()


def _page(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "platform.html",
        {
            "reviewers": partners.list_platform_reviewers(session, viewer),
            "profiles": profile_store.list_profiles(session, viewer),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/platform")
def platform_page(request: Request, viewer: Viewer, session: DbSession) -> Response:
    return _page(request, session, viewer)


@router.post("/platform/reviewers")
def add_reviewer(viewer: Viewer, uow: Uow, email: Annotated[str, Form(max_length=320)]) -> Response:
    user = user_by_email(uow.session, email)
    partners.add_platform_reviewer(uow.session, viewer, user_id=user.id)
    uow.commit()
    return RedirectResponse("/platform#reviewers", status_code=303)


@router.post("/platform/reviewers/{user_id}/remove")
def remove_reviewer(user_id: str, viewer: Viewer, uow: Uow) -> Response:
    partners.remove_platform_reviewer(uow.session, viewer, user_id=user_id)
    uow.commit()
    return RedirectResponse("/platform#reviewers", status_code=303)


@router.post("/platform/compat-profiles/{kind}/{name}")
def put_profile(
    kind: str,
    name: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    data: Annotated[str, Form(max_length=100_000)],
) -> Response:
    """Change a profile from its JSON; a refusal shows the lab's message by the profile."""
    key = f"{kind}/{name}"
    try:
        parsed = json.loads(data)
        if not isinstance(parsed, dict):
            raise ValidationFailed("the profile must be a JSON object")
        profile_store.put_profile(uow.session, viewer, kind=kind, name=name, data=parsed)
    except json.JSONDecodeError as exc:
        return _page(
            request, uow.session, viewer, errors={key: f"not JSON: {exc}"}, status_code=422
        )
    except ValidationFailed as exc:
        return _page(request, uow.session, viewer, errors={key: exc.detail}, status_code=422)
    uow.commit()
    return RedirectResponse(f"/platform#profile-{kind}-{name}", status_code=303)
