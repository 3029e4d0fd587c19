"""The mini program page: who sees it, basic info, whitelists with every bad entry shown,
testers, the icon, and the sections listing its partner apps and releases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import sessionmaker

from tests.factories import Actor, Factory
from tests.miniprograms.images import jpeg, png, png_of_size
from tests.releases.flow import released, scenario
from tests.web.console import Console
from tests.web.programs import add_releases, audit_actions, reload, team

ConsoleFor = Callable[[Actor], Console]


def test_the_team_and_platform_admins_see_the_page_others_get_404(
    console: ConsoleFor, factory: Factory
) -> None:
    t = team(factory, description="Coffee to go", server_domains=["api.example.com"])
    for who in (t.owner, t.master, t.developer):
        page = console(who).get(t.page)
        assert page.status_code == 200, page.text
        html = page.text
        assert t.mp.name in html and t.mp.app_id in html and "Coffee to go" in html
        assert "Save basic info" in html and "Save whitelists" in html
        assert "api.example.com" in html and "Alipay+ partner apps" in html
        assert f'href="/workspaces/{t.workspace.id}"' in html
    audit_link = f"/workspaces/{t.workspace.id}/audit?mini_program_id={t.mp.id}"
    assert audit_link in console(t.owner).get(t.page).text
    assert audit_link not in console(t.developer).get(t.page).text  # no audit for developers
    admin = console(factory.user(platform_admin=True)).get(t.page)
    assert admin.status_code == 200 and "Save basic info" not in admin.text
    outsiders = (
        t.other_developer,
        factory.user(),
        factory.user(platform_reviewer=True),
        factory.partner_reviewer(factory.partner_app()),
    )
    for who in outsiders:
        assert console(who).get(t.page).status_code == 404
    assert console(t.owner).get("/mini-programs/mp_nope").status_code == 404


def test_basic_info_is_saved_and_audited(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    page = console(t.developer)
    saved = page.post(
        f"{t.page}/basic-info",
        {"name": "Coffee Club", "description": "Order ahead", "category": "food"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{t.page}?saved=basic-info"
    after = page.get(saved.headers["location"])
    assert "Basic info saved." in after.text and "Coffee Club" in after.text
    mp = reload(session_factory, t.mp.id)
    assert (mp.name, mp.description, mp.category) == ("Coffee Club", "Order ahead", "food")
    assert audit_actions(session_factory, t.mp.id, "mini_program.update") == 1


def test_refused_basic_info_keeps_the_text_and_says_why(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    factory.mini_program(t.workspace, t.owner, name="Taken")
    page = console(t.owner)
    too_long = page.post(
        f"{t.page}/basic-info", {"name": "N" * 31, "description": "kept", "category": "food"}
    )
    assert too_long.status_code == 422
    assert 'id="name-error"' in too_long.text and "at most 30 are allowed" in too_long.text
    assert 'value="' + "N" * 31 + '"' in too_long.text and ">kept</textarea>" in too_long.text
    taken = page.post(f"{t.page}/basic-info", {"name": "taken", "category": "food"})
    assert taken.status_code == 409 and "already exists" in taken.text
    assert reload(session_factory, t.mp.id).name == t.mp.name


def test_only_editors_may_save(console: ConsoleFor, factory: Factory) -> None:
    t = team(factory)
    admin = console(factory.user(platform_admin=True))
    for path in ("basic-info", "domains", "testers"):
        response = admin.post(f"{t.page}/{path}", {"name": "x", "category": "food"})
        assert response.status_code == 403, path
    assert console(t.other_developer).post(f"{t.page}/domains").status_code == 404


def test_whitelists_show_every_bad_entry_with_its_rule_and_keep_the_text(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory, server_domains=["old.example.com"])
    typed = "api.example.com\n\nhttp://plain.example.com\n10.0.0.1\nAPI.example.com\n"
    response = console(t.developer).post(
        f"{t.page}/domains", {"server_domains": typed, "h5_domains": "h5.example.com/path"}
    )
    assert response.status_code == 422
    html = response.text
    assert "3 entries are not allowed" in html and "1 entry is not allowed" in html
    assert "Line 3: <code>http://plain.example.com</code>" in html and "<code>scheme</code>" in html
    assert "Line 4: <code>10.0.0.1</code>" in html and "<code>ip_address</code>" in html
    assert "Line 5: <code>API.example.com</code>" in html and "<code>duplicate</code>" in html
    assert "Line 1: <code>h5.example.com/path</code>" in html and "<code>path</code>" in html
    assert "api.example.com\n\nhttp://plain.example.com\n10.0.0.1" in html  # as typed
    assert 'aria-describedby="server_domains-error"' in html
    assert reload(session_factory, t.mp.id).server_domains == ["old.example.com"]


def test_whitelists_are_saved_normalized(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    response = console(t.owner).post(
        f"{t.page}/domains",
        {"server_domains": " https://API.example.com/ \n*.cdn.example.com\n", "h5_domains": ""},
    )
    assert response.status_code == 303
    mp = reload(session_factory, t.mp.id)
    assert mp.server_domains == ["api.example.com", "*.cdn.example.com"]
    assert mp.h5_domains == []


def test_too_many_entries_is_the_fields_error(console: ConsoleFor, factory: Factory) -> None:
    t = team(factory)
    many = "\n".join(f"host{n}.example.com" for n in range(201))
    response = console(t.owner).post(f"{t.page}/domains", {"h5_domains": many})
    assert response.status_code == 422
    assert 'id="h5_domains-error"' in response.text and "at most 200" in response.text


def test_testers_one_per_line(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    page = console(t.developer)
    refused = page.post(f"{t.page}/testers", {"tester_user_ids": "2088001\n\n2088001\n"})
    assert refused.status_code == 422
    assert "Line 3: tester_user_ids[1]" in refused.text and "duplicates" in refused.text
    assert reload(session_factory, t.mp.id).tester_user_ids == []
    saved = page.post(f"{t.page}/testers", {"tester_user_ids": "2088001\r\n2088002\r\n"})
    assert saved.status_code == 303
    assert reload(session_factory, t.mp.id).tester_user_ids == ["2088001", "2088002"]
    assert "2088001\n2088002</textarea>" in page.get(t.page).text


def _icon(page: Console, mp_id: str, data: bytes, kind: str, **extra: Any) -> Any:
    token = extra.pop("token", page.csrf)
    return page.client.post(
        f"/mini-programs/{mp_id}/icon",
        data={"csrf_token": token} if token else {},
        files={"icon": ("icon.png", data, kind)},
        follow_redirects=False,
        **extra,
    )


def test_icon_upload_preview_and_refusals(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    t = team(factory)
    page = console(t.developer)
    assert page.get(f"{t.page}/icon").status_code == 404  # none yet
    assert "No icon yet." in page.get(t.page).text
    saved = _icon(page, t.mp.id, png(), "image/png")
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=icon")
    icon = page.get(f"{t.page}/icon")
    assert icon.status_code == 200 and icon.content == png()
    assert icon.headers["content-type"] == "image/png" and icon.headers["etag"]
    assert f'src="/mini-programs/{t.mp.id}/icon?v=' in page.get(t.page).text
    mismatch = _icon(page, t.mp.id, jpeg(), "image/png")
    assert mismatch.status_code == 422 and 'id="icon-error"' in mismatch.text
    assert "the bytes are image/jpeg" in mismatch.text
    big = _icon(page, t.mp.id, png_of_size(1_048_576 + 20_000), "image/png")
    assert big.status_code == 422 and "larger than 1,048,576 bytes" in big.text
    forged = _icon(page, t.mp.id, jpeg(), "image/jpeg", token=None)
    assert forged.status_code == 403
    assert reload(session_factory, t.mp.id).icon_content_type == "image/png"
    assert console(factory.user()).get(f"{t.page}/icon").status_code == 404
    admin = console(factory.user(platform_admin=True))
    assert _icon(admin, t.mp.id, png(), "image/png").status_code == 403
    assert admin.get(f"{t.page}/icon").status_code == 200


def test_icon_upload_by_script_sends_the_token_in_the_header(
    console: ConsoleFor, factory: Factory
) -> None:
    t = team(factory)
    page = console(t.owner)
    response = _icon(
        page, t.mp.id, png(), "image/png", token=None, headers={"X-CSRF-Token": page.csrf}
    )
    assert response.status_code == 303
    wrong = _icon(page, t.mp.id, png(), "image/png", headers={"X-CSRF-Token": "x" * 40})
    assert wrong.status_code == 403


def test_sections_for_partner_apps_versions_and_releases(
    console: ConsoleFor, factory: Factory, client: TestClient
) -> None:
    s = scenario(client, factory)
    release_id = released(s, "1.0.0")
    page = f"/mini-programs/{s.mini_program_id}"
    html = console(s.developer).get(page).text
    assert f'href="{page}/partner-apps/{s.partner}"' in html
    assert f'href="/releases/{release_id}"' in html and "badge-released" in html
    assert f'href="{page}/versions/1.0.0/release">Release</a>' in html
    releases = console(s.owner).get(f"{page}/releases")
    assert releases.status_code == 200 and f'href="/releases/{release_id}"' in releases.text
    assert console(factory.user()).get(f"{page}/releases").status_code == 404


def test_the_page_costs_the_same_queries_however_long_the_history(
    console: ConsoleFor, factory: Factory, session_factory: sessionmaker[Any], engine: Engine
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    app = factory.partner_app()
    costs = []
    for releases in (2, 40):
        t = team(factory)
        add_releases(session_factory, t, app.id, releases)
        page = console(t.developer)
        for path in (t.page, f"{t.page}/releases", f"{t.page}/versions"):
            page.get(path)  # warm up: the session resumes, caches fill
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            html = page.get(t.page).text
            page.get(f"{t.page}/releases")
            page.get(f"{t.page}/versions")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert "5 %" in html  # a grayscale's percentage
        costs.append(len(statements))
    assert 0 < costs[0] == costs[1], costs
