"""Partner apps and platform settings in the console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from minirelease.partners.models import PartnerApp, PartnerReviewer
from tests.factories import Actor, Factory
from tests.web.console import Console

ConsoleFor = Callable[[Actor], Console]


def _form(**changes: str) -> dict[str, Any]:
    form = {
        "code": "acme-pay",
        "name": "Acme Pay",
        "deep_link_template": "acmepay://mini?appId={app_id}&page={page}",
        "main_package_bytes": "2097152",
        "subpackage_bytes": "2097152",
        "total_bytes": "8388608",
        "grayscale_deadline_days": "10",
        "jsapis": "my.request\nmy.showToast",
        "components": "view\ntext",
        "android": "13, 14",
        "ios": "17",
        "block_on_failing_report": "on",
    }
    form.update(changes)
    return form


def _app(factory: Factory, code: str) -> PartnerApp | None:
    with factory.session_factory() as session:
        return session.scalar(select(PartnerApp).where(PartnerApp.code == code))


def test_everyone_reads_partner_apps_and_their_limits(
    factory: Factory, console: ConsoleFor
) -> None:
    app = factory.partner_app()
    page = console(factory.user())
    listing = page.get("/partner-apps")
    assert listing.status_code == 200 and app.name in listing.text and "2.0 MB" in listing.text
    assert "Create partner app" not in listing.text
    detail = page.get(f"/partner-apps/{app.code}")
    assert detail.status_code == 200 and "Edit" not in detail.text
    assert page.get("/partner-apps/nope").status_code == 404


def test_an_admin_creates_a_partner_app_with_its_profile(
    factory: Factory, console: ConsoleFor
) -> None:
    page = console(factory.user(platform_admin=True))
    assert page.get("/partner-apps/new").status_code == 200
    created = page.post("/partner-apps", _form())
    assert created.status_code == 303 and created.headers["location"] == "/partner-apps/acme-pay"
    app = _app(factory, "acme-pay")
    assert app is not None and app.block_on_failing_report and app.grayscale_deadline_days == 10
    assert app.capability_profile["jsapis"] == ["my.request", "my.showToast"]
    assert app.capability_profile["os_versions"] == {"android": ["13", "14"], "ios": ["17"]}


def test_profile_errors_are_shown_by_their_field_and_nothing_is_created(
    factory: Factory, console: ConsoleFor
) -> None:
    page = console(factory.user(platform_admin=True))
    refused = page.post("/partner-apps", _form(jsapis="my.request\nmy.request", code="dup-app"))
    assert refused.status_code == 422
    assert "duplicates" in refused.text and "my.request\nmy.request" in refused.text
    assert _app(factory, "dup-app") is None
    refused = page.post("/partner-apps", _form(deep_link_template="nope", code="bad-link"))
    assert refused.status_code == 422 and 'id="deep_link_template-error"' in refused.text
    assert _app(factory, "bad-link") is None


def test_an_admin_edits_a_partner_app(factory: Factory, console: ConsoleFor) -> None:
    app = factory.partner_app()
    page = console(factory.user(platform_admin=True))
    form = page.get(f"/partner-apps/{app.code}").text
    assert 'name="jsapis"' in form
    saved = page.post(f"/partner-apps/{app.code}", _form(name="Renamed", total_bytes="9000000"))
    assert saved.status_code == 303
    updated = _app(factory, app.code)
    assert updated is not None and updated.name == "Renamed"
    assert updated.package_limits["total_bytes"] == 9_000_000
    refused = page.post(f"/partner-apps/{app.code}", _form(grayscale_deadline_days="365"))
    assert refused.status_code == 422 and "365" in refused.text
    assert _app(factory, app.code).grayscale_deadline_days == 10  # type: ignore[union-attr]


def test_only_admins_create_or_edit(factory: Factory, console: ConsoleFor) -> None:
    app = factory.partner_app()
    page = console(factory.partner_reviewer(app))
    assert page.get("/partner-apps/new").status_code == 403
    assert page.post("/partner-apps", _form(code="sneaky")).status_code == 403
    assert page.post(f"/partner-apps/{app.code}", _form(name="Hacked")).status_code == 403
    assert _app(factory, "sneaky") is None and _app(factory, app.code).name != "Hacked"  # type: ignore[union-attr]


def test_partner_reviewers_added_by_email_and_removed(
    factory: Factory, console: ConsoleFor
) -> None:
    app = factory.partner_app()
    reviewer = factory.user()
    page = console(factory.user(platform_admin=True))
    added = page.post(f"/partner-apps/{app.code}/reviewers", {"email": reviewer.email.upper()})
    assert added.status_code == 303
    assert reviewer.email in page.get(f"/partner-apps/{app.code}").text
    assert (
        page.post(f"/partner-apps/{app.code}/reviewers", {"email": "no@example.com"}).status_code
        == 404
    )
    page.post(f"/partner-apps/{app.code}/reviewers/{reviewer.id}/remove")
    with factory.session_factory() as session:
        assert session.scalars(select(PartnerReviewer)).all() == []
    # The reviewer of a partner app sees its reviewers, but may not change them.
    other = factory.partner_reviewer(app)
    theirs = console(other)
    assert other.email in theirs.get(f"/partner-apps/{app.code}").text
    assert theirs.post(f"/partner-apps/{app.code}/reviewers/{other.id}/remove").status_code == 403


def test_platform_page_reviewers_and_profiles(factory: Factory, console: ConsoleFor) -> None:
    admin = console(factory.user(platform_admin=True))
    reviewer = factory.user()
    assert admin.post("/platform/reviewers", {"email": reviewer.email}).status_code == 303
    text = admin.get("/platform").text
    assert reviewer.email in text and "Compatibility profiles" in text
    refused = admin.post("/platform/compat-profiles/network/4g", {"data": "{not json"})
    assert refused.status_code == 422 and "not JSON" in refused.text
    assert console(factory.user()).get("/platform").status_code == 403
