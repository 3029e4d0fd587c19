"""Partner apps: everyone reads them (their limits explain Choose App); platform admins
create and edit them, their capability profiles and their reviewers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from minirelease.accounts.service import user_by_email
from minirelease.api.deps import DbSession, Uow
from minirelease.authz import Permission, granted, require, roles_on_partner_app
from minirelease.errors import ValidationFailed
from minirelease.partners import service as partners
from minirelease.partners.models import PartnerApp
from minirelease.web.auth import Viewer
from minirelease.web.forms import field_errors, lines, whole_number
from minirelease.web.router import console_router
from minirelease.web.templating import render

router = console_router()

Text = Annotated[str, Field(max_length=20_000)]


class SettingsForm(BaseModel):
    """The partner app form as typed: text, turned into settings by ``settings()``."""

    name: Text = ""
    deep_link_template: Text = ""
    main_package_bytes: Text = ""
    subpackage_bytes: Text = ""
    total_bytes: Text = ""
    grayscale_deadline_days: Text = ""
    jsapis: Text = ""
    components: Text = ""
    android: Text = ""
    ios: Text = ""
    block_on_failing_report: str = ""

    def settings(self) -> dict[str, Any]:
        pairs = (("android", self.android), ("ios", self.ios))
        os_versions = {platform: lines(v) for platform, v in pairs if lines(v)}
        return {
            "name": self.name.strip(),
            "deep_link_template": self.deep_link_template.strip(),
            "package_limits": {
                "main_package_bytes": whole_number(self.main_package_bytes, "package_limits"),
                "subpackage_bytes": whole_number(self.subpackage_bytes, "package_limits"),
                "total_bytes": whole_number(self.total_bytes, "package_limits"),
            },
            "block_on_failing_report": self.block_on_failing_report == "on",
            "grayscale_deadline_days": whole_number(
                self.grayscale_deadline_days, "grayscale_deadline_days"
            ),
            "capability_profile": {
                "jsapis": lines(self.jsapis),
                "components": lines(self.components),
                "os_versions": os_versions,
            },
        }


class CreateForm(SettingsForm):
    code: Annotated[str, Field(max_length=40)] = ""


def _may_manage(viewer: Any) -> bool:
    return Permission.PARTNER_APP_MANAGE in granted(viewer.platform_roles())


@router.get("/partner-apps")
def list_page(request: Request, viewer: Viewer, session: DbSession) -> Response:
    return render(
        request,
        "partners/list.html",
        {"apps": partners.list_partner_apps(session, viewer), "may_manage": _may_manage(viewer)},
    )


NEW_APP = CreateForm(
    deep_link_template="wallet://mini?appId={app_id}&page={page}&query={query}",
    main_package_bytes=str(2 << 20),
    subpackage_bytes=str(2 << 20),
    total_bytes=str(8 << 20),
    grayscale_deadline_days="15",
)


def _form_values(app: PartnerApp) -> CreateForm:
    """The form filled with the app's current settings."""
    profile, limits = app.capability_profile, app.package_limits
    versions = profile.get("os_versions", {})
    return CreateForm(
        code=app.code,
        name=app.name,
        deep_link_template=app.deep_link_template,
        main_package_bytes=str(limits["main_package_bytes"]),
        subpackage_bytes=str(limits["subpackage_bytes"]),
        total_bytes=str(limits["total_bytes"]),
        block_on_failing_report="on" if app.block_on_failing_report else "",
        grayscale_deadline_days=str(app.grayscale_deadline_days),
        jsapis="\n".join(profile.get("jsapis", [])),
        components="\n".join(profile.get("components", [])),
        android=", ".join(versions.get("android", [])),
        ios=", ".join(versions.get("ios", [])),
    )


def _app_page(
    request: Request,
    session: Any,
    viewer: Any,
    app: PartnerApp,
    *,
    submitted: CreateForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    may_see_reviewers = Permission.PARTNER_REVIEWERS_READ in granted(
        roles_on_partner_app(viewer, app.code)
    )
    reviewers = (
        partners.list_partner_reviewers(session, viewer, code=app.code) if may_see_reviewers else []
    )
    return render(
        request,
        "partners/app.html",
        {
            "app": app,
            "may_manage": _may_manage(viewer),
            "values": submitted or _form_values(app),
            "errors": errors or {},
            "reviewers": reviewers,
        },
        status_code=status_code,
    )


@router.get("/partner-apps/new")
def new_page(request: Request, viewer: Viewer) -> Response:
    require(viewer.platform_roles(), Permission.PARTNER_APP_MANAGE, what="partner app")
    return render(request, "partners/new.html", {"values": NEW_APP, "errors": {}})


@router.post("/partner-apps")
def create(
    request: Request, viewer: Viewer, uow: Uow, form: Annotated[CreateForm, Form()]
) -> Response:
    try:
        app = partners.create_partner_app(
            uow.session, viewer, code=form.code.strip(), **form.settings()
        )
    except ValidationFailed as exc:
        return render(
            request,
            "partners/new.html",
            {"values": form, "errors": field_errors(exc)},
            status_code=422,
        )
    uow.commit()
    return RedirectResponse(f"/partner-apps/{app.code}", status_code=303)


@router.get("/partner-apps/{code}")
def app_page(code: str, request: Request, viewer: Viewer, session: DbSession) -> Response:
    app = partners.read_partner_app(session, viewer, code=code)
    return _app_page(request, session, viewer, app)


@router.post("/partner-apps/{code}")
def update(
    code: str,
    request: Request,
    viewer: Viewer,
    uow: Uow,
    form: Annotated[SettingsForm, Form()],
) -> Response:
    try:
        partners.update_partner_app(uow.session, viewer, code=code, changes=form.settings())
    except ValidationFailed as exc:
        uow.session.rollback()
        app = partners.read_partner_app(uow.session, viewer, code=code)
        submitted = CreateForm(**form.model_dump(), code=code)
        return _app_page(
            request, uow.session, viewer, app,
            submitted=submitted, errors=field_errors(exc), status_code=422,
        )  # fmt: skip
    uow.commit()
    return RedirectResponse(f"/partner-apps/{code}?saved=1", status_code=303)


@router.post("/partner-apps/{code}/reviewers")
def add_reviewer(
    code: str, viewer: Viewer, uow: Uow, email: Annotated[str, Form(max_length=320)]
) -> Response:
    user = user_by_email(uow.session, email)
    partners.add_partner_reviewer(uow.session, viewer, code=code, user_id=user.id)
    uow.commit()
    return RedirectResponse(f"/partner-apps/{code}#reviewers", status_code=303)


@router.post("/partner-apps/{code}/reviewers/{user_id}/remove")
def remove_reviewer(code: str, user_id: str, viewer: Viewer, uow: Uow) -> Response:
    partners.remove_partner_reviewer(uow.session, viewer, code=code, user_id=user_id)
    uow.commit()
    return RedirectResponse(f"/partner-apps/{code}#reviewers", status_code=303)
