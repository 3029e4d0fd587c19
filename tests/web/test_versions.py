"""Versions in the console: the list a page at a time, "Upload version" as a plain form and
by script (token in the header), refused packages showing rule and entry and leaving
nothing behind, CSRF on the streamed upload, and per version Choose App → Confirm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.config import Settings
from minirelease.ids import new_id
from minirelease.miniprograms.models import Version
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from tests.factories import Actor, Factory
from tests.miniprograms.test_versions_api import NOTHING, stored
from tests.packages.zips import project, zip_bytes
from tests.web.console import Console
from tests.web.programs import Team, team

ConsoleFor = Callable[[Actor], Console]
PACKAGE = zip_bytes(project())
# Refused by the package rules, naming the entry at fault.
ESCAPING = zip_bytes(project(extra={"../escape.js": b"alert(1)"}))


def _upload(
    page: Console,
    mp_id: str,
    package: bytes = PACKAGE,
    *,
    version: str = "1.0.0",
    token: str | None = "form",
    header: str | None = None,
) -> Any:
    """The upload form as a browser sends it: the token as a form field (plain form), or
    in the header with ``HX-Request`` (static/upload.js)."""
    data = {"version": version, "description": "first"}
    if token == "form":
        data = {"csrf_token": page.csrf, **data}
    elif token is not None:
        data = {"csrf_token": token, **data}
    headers = {} if header is None else {"X-CSRF-Token": header, "HX-Request": "true"}
    return page.client.post(
        f"/mini-programs/{mp_id}/versions",
        data=data,
        files={"package": ("app.zip", package, "application/zip")},
        headers=headers,
        follow_redirects=False,
    )


def _versions(session_factory: sessionmaker[Any], mp_id: str) -> list[str]:
    with session_factory() as session:
        rows = session.scalars(select(Version.version).where(Version.mini_program_id == mp_id))
        return sorted(rows)


def test_plain_form_upload_stores_the_version(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any], settings: Settings
) -> None:
    t = team(factory)
    page = console(t.developer)
    response = _upload(page, t.mp.id)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(f"/mini-programs/{t.mp.id}/versions?uploaded=")
    listed = page.get(response.headers["location"])
    assert "The version was uploaded." in listed.text and "<td>1.0.0</td>" in listed.text
    assert stored(session_factory, settings, t.mp.id)["versions"] == 1
    assert stored(session_factory, settings, t.mp.id)["temp_files"] == []


def test_script_upload_sends_the_token_in_the_header(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    page = console(t.owner)
    response = _upload(page, t.mp.id, token=None, header=page.csrf)
    assert response.status_code == 200, response.text
    assert response.headers["HX-Redirect"].startswith(f"/mini-programs/{t.mp.id}/versions")
    assert _versions(session_factory, t.mp.id) == ["1.0.0"]


def test_upload_without_a_valid_token_is_refused_and_nothing_kept(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any], settings: Settings
) -> None:
    t = team(factory)
    page = console(t.owner)
    assert _upload(page, t.mp.id, token=None).status_code == 403
    assert _upload(page, t.mp.id, token="x" * 43).status_code == 403
    assert _upload(page, t.mp.id, token=None, header="x" * 43).status_code == 403
    assert stored(session_factory, settings, t.mp.id) == NOTHING


def test_a_refused_package_shows_its_rule_and_entry_and_leaves_nothing(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any], settings: Settings
) -> None:
    t = team(factory)
    page = console(t.developer)
    refused = _upload(page, t.mp.id, ESCAPING, version="2.0.0")
    assert refused.status_code == 422
    assert "The upload was refused" in refused.text
    assert "Rule: <code>parent-path</code>, entry <code>../escape.js</code>" in refused.text
    assert 'value="2.0.0"' in refused.text  # the form as typed
    assert stored(session_factory, settings, t.mp.id) == NOTHING
    scripted = _upload(page, t.mp.id, ESCAPING, token=None, header=page.csrf)
    assert scripted.status_code == 422 and scripted.headers["HX-Retarget"] == "#alerts"
    assert "<html" not in scripted.text and "<code>parent-path</code>" in scripted.text
    assert stored(session_factory, settings, t.mp.id) == NOTHING


def test_a_refused_version_marks_its_field(console: ConsoleFor, factory: Factory) -> None:
    t = team(factory)
    page = console(t.owner)
    assert _upload(page, t.mp.id).status_code == 303
    again = _upload(page, t.mp.id)
    assert (
        again.status_code == 409
        and "version 1.0.0 of this mini program already exists" in again.text
    )
    assert 'id="up-version" name="version"' in again.text
    assert 'aria-describedby="upload-refusal"' in again.text
    bad = _upload(page, t.mp.id, version="one")
    assert bad.status_code == 422 and "is not a semantic version" in bad.text


def test_who_may_upload(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    admin = console(factory.user(platform_admin=True))
    listed = admin.get(f"{t.page}/versions")
    assert listed.status_code == 200 and "Upload version" not in listed.text
    assert _upload(admin, t.mp.id).status_code == 403
    outsider = console(t.other_developer)
    assert outsider.get(f"{t.page}/versions").status_code == 404
    assert _upload(outsider, t.mp.id).status_code == 404
    assert _versions(session_factory, t.mp.id) == []
    page = console(t.master).get(f"{t.page}/versions")
    assert "data-upload" in page.text and "upload.js" in page.text and "<progress" in page.text


def _add_versions(session_factory: sessionmaker[Any], t: Team, count: int) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with session_factory() as session:
        for n in range(count):
            session.add(
                Version(
                    id=new_id("ver"),
                    mini_program_id=t.mp.id,
                    version=f"1.{n}.0",
                    description=f"number {n}",
                    package_sha256=f"{n:064x}",
                    package_size=1000 + n,
                    entry_count=5,
                    uncompressed_size=3000,
                    app_json={"pages": ["pages/index/index"], "subPackages": []},
                    uploaded_by=t.owner.id,
                    created_at=start + dt.timedelta(minutes=n),
                )
            )
        session.commit()


def test_versions_newest_first_a_page_at_a_time(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    _add_versions(session_factory, t, 23)
    page = console(t.developer)
    first = page.get(f"{t.page}/versions").text
    assert first.index("<td>1.22.0</td>") < first.index("<td>1.21.0</td>")
    assert "<td>1.2.0</td>" not in first and 'rel="next"' in first
    next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = page.get(next_url.replace("&amp;", "&")).text
    assert "<td>1.2.0</td>" in second and "<td>1.22.0</td>" not in second
    assert "Upload version</h2>" not in second  # the form is on the first page
    overview = page.get(t.page).text
    assert "<td>1.22.0</td>" in overview and "<td>1.17.0</td>" not in overview
    assert "All versions →" in overview


def _releases(session_factory: sessionmaker[Any], mp_id: str) -> list[tuple[str, str]]:
    with session_factory() as session:
        rows = session.execute(
            select(Release.version, PartnerApp.code)
            .join(PartnerApp, PartnerApp.id == Release.partner_app_id)
            .where(Release.mini_program_id == mp_id)
        )
        return sorted((version, code) for version, code in rows)


def test_choose_app_shows_the_partner_apps_and_their_limits(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    _add_versions(session_factory, t, 1)
    small = factory.partner_app(
        package_limits={
            "main_package_bytes": 1024 * 1024,
            "subpackage_bytes": 512 * 1024,
            "total_bytes": 4 * 1024 * 1024,
        }
    )
    page = console(t.developer).get(f"{t.page}/versions/1.0.0/release")
    assert page.status_code == 200
    html = page.text
    assert "Choose App" in html and "Confirm</button>" in html
    assert f'value="{small.code}"' in html and "512.0 KB" in html and "4.0 MB" in html
    assert "1000 B compressed" in html
    admin = console(factory.user(platform_admin=True)).get(f"{t.page}/versions/1.0.0/release")
    assert admin.status_code == 200 and "Confirm</button>" not in admin.text
    assert console(t.other_developer).get(f"{t.page}/versions/1.0.0/release").status_code == 404
    assert console(t.owner).get(f"{t.page}/versions/9.9.9/release").status_code == 404


def test_confirm_creates_one_release_per_chosen_app(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    _add_versions(session_factory, t, 1)
    first, second = factory.partner_app(), factory.partner_app()
    page = console(t.developer)
    path = f"{t.page}/versions/1.0.0/release"
    both = page.post(path, {"partner_app": [first.code, second.code, first.code]})
    assert both.status_code == 303 and both.headers["location"] == f"{t.page}?saved=confirmed"
    assert _releases(session_factory, t.mp.id) == sorted(
        [("1.0.0", first.code), ("1.0.0", second.code)]
    )
    assert (
        "Confirmed: one release per chosen partner app" in page.get(both.headers["location"]).text
    )
    one = page.post(path, {"partner_app": first.code})
    with session_factory() as session:
        newest = session.scalars(
            select(Release.id).where(Release.mini_program_id == t.mp.id).order_by(Release.id.desc())
        ).first()
    assert one.status_code == 303 and one.headers["location"] == f"/releases/{newest}"


def test_confirm_needs_a_choice_and_creates_all_or_none(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    _add_versions(session_factory, t, 1)
    app = factory.partner_app()
    page = console(t.owner)
    path = f"{t.page}/versions/1.0.0/release"
    none_chosen = page.post(path)
    assert none_chosen.status_code == 422
    assert "Choose at least one partner app" in none_chosen.text
    half_bad = page.post(path, {"partner_app": [app.code, "nope"]})
    assert half_bad.status_code == 404
    assert _releases(session_factory, t.mp.id) == []
    admin = console(factory.user(platform_admin=True))
    assert admin.post(path, {"partner_app": app.code}).status_code == 403
    assert admin.post(path).status_code == 403
    assert _releases(session_factory, t.mp.id) == []


def test_a_real_package_goes_from_upload_to_its_release(
    console: ConsoleFor, factory: Factory, client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    app = factory.partner_app()
    page = console(t.developer)
    assert _upload(page, t.mp.id).status_code == 303
    listed = page.get(f"{t.page}/versions").text
    assert f'href="/mini-programs/{t.mp.id}/versions/1.0.0/release">Release</a>' in listed
    created = page.post(f"{t.page}/versions/1.0.0/release", {"partner_app": app.code})
    assert created.status_code == 303 and created.headers["location"].startswith("/releases/rel_")
    assert _releases(session_factory, t.mp.id) == [("1.0.0", app.code)]
