"""The workspace pages: create a workspace, its mini programs with their state on each
partner app, Create mini program, and its audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.orm import sessionmaker

from minirelease import audit
from minirelease.audit import AuditEvent
from minirelease.miniprograms.models import MiniProgram
from minirelease.workspaces.models import Membership, Workspace
from tests.factories import Actor, Factory
from tests.releases.rows import ReleaseRows
from tests.web.console import Console

Sign = Callable[[Actor], Console]


def _programs(session_factory: sessionmaker[Any], workspace_id: str) -> list[MiniProgram]:
    with session_factory() as session:
        return list(
            session.scalars(select(MiniProgram).where(MiniProgram.workspace_id == workspace_id))
        )


def test_create_a_workspace_from_home(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    me = factory.user()
    page = console(me)
    response = page.post("/workspaces", {"name": "  Payments team "})
    assert response.status_code == 303
    workspace_id = response.headers["location"].removeprefix("/workspaces/")
    with session_factory() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None and workspace.name == "Payments team"
        role = session.scalar(select(Membership.role).where(Membership.user_id == me.id))
        assert role == "owner"
    shown = page.get(f"/workspaces/{workspace_id}")
    assert shown.status_code == 200
    assert "<h1>Payments team</h1>" in shown.text and "Your role: owner" in shown.text
    assert 'href="/">Home</a>' in shown.text  # the breadcrumbs start at Home


def test_a_blank_name_is_refused_and_nothing_is_created(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    me = factory.user()
    response = console(me).post("/workspaces", {"name": "   "})
    assert response.status_code == 422 and "workspace name" in response.text
    with session_factory() as session:
        assert session.scalar(select(Membership).where(Membership.user_id == me.id)) is None


def test_the_page_shows_each_program_on_each_partner_app(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace(name="Acme")
    shop = factory.mini_program(ws, owner, name="Shop", app_id="2021000000009999")
    quiet = factory.mini_program(ws, owner, name="Quiet")
    wallet = factory.partner_app(name="Blue Wallet")
    rows = ReleaseRows(session_factory)
    online = rows.release(shop, wallet, "1.0.0", "released", basis_points=10_000, online=True)
    gray = rows.release(shop, wallet, "1.1.0", "grayscale", basis_points=500)

    text = console(owner).get(f"/workspaces/{ws.id}").text
    assert f'<a href="/mini-programs/{shop.id}">Shop</a>' in text
    assert f'<a href="/mini-programs/{quiet.id}">Quiet</a>' in text
    assert "2021000000009999" in text and "Blue Wallet" in text
    assert f'online <a href="/releases/{online.id}">1.0.0</a>' in text
    assert f'<a href="/releases/{gray.id}">1.1.0</a>' in text
    assert "badge-grayscale" in text and "5 %" in text
    assert "Not released yet" in text  # Quiet


def test_who_sees_what_on_the_workspace_page(console: Sign, factory: Factory) -> None:
    ws, owner = factory.workspace()
    mine = factory.mini_program(ws, owner, name="Mine")
    other = factory.mini_program(ws, owner, name="Other")
    master = factory.member(ws, "master")
    developer = factory.member(ws, "developer", mini_programs=(mine,))
    admin = factory.user(platform_admin=True)
    members_tab = f'href="/workspaces/{ws.id}/members"'
    audit_tab = f'href="/workspaces/{ws.id}/audit"'
    create_form = f'action="/workspaces/{ws.id}/mini-programs"'

    for actor in (owner, master):
        text = console(actor).get(f"/workspaces/{ws.id}").text
        assert "Mine" in text and "Other" in text
        assert members_tab in text and audit_tab in text and create_form in text

    text = console(developer).get(f"/workspaces/{ws.id}").text
    assert "Mine" in text and other.id not in text
    assert members_tab not in text and audit_tab not in text and create_form not in text

    text = console(admin).get(f"/workspaces/{ws.id}").text
    assert "Mine" in text and "Other" in text and "platform admin" in text
    assert audit_tab in text and members_tab not in text and create_form not in text

    outsider = console(factory.user()).get(f"/workspaces/{ws.id}")
    assert outsider.status_code == 404 and "Mine" not in outsider.text
    assert console(owner).get("/workspaces/ws_missing").status_code == 404


def test_long_lists_come_in_pages_at_a_constant_query_cost(
    console: Sign,
    factory: Factory,
    session_factory: sessionmaker[Any],
    connection: Connection,
) -> None:
    ws, owner = factory.workspace()
    wallet = factory.partner_app()
    rows = ReleaseRows(session_factory)
    programs = [factory.mini_program(ws, owner, name=f"P{n:02}") for n in range(55)]
    for mp in programs[:3]:
        rows.release(mp, wallet, "1.0.0", "released", basis_points=10_000, online=True)
    page = console(owner)

    def load(path: str) -> tuple[str, int]:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(connection, "before_cursor_execute", count)
        try:
            response = page.get(path)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        assert response.status_code == 200
        return response.text, len(statements)

    first, first_queries = load(f"/workspaces/{ws.id}")
    assert "P00" in first and "P49" in first and "P50" not in first
    match = re.search(r'href="(/workspaces/[^"]+\?cursor=[^"]+)" rel="next"', first)
    assert match
    second, second_queries = load(match.group(1))
    assert "P50" in second and "P54" in second and "P49" not in second
    assert 'rel="next"' not in second
    # 50 programs cost what 5 do: no query per program or partner app.
    for mp in programs[3:]:
        rows.release(mp, wallet, "1.0.0", "released", basis_points=10_000, online=True)
    _, loaded_queries = load(f"/workspaces/{ws.id}")
    assert first_queries == second_queries == loaded_queries < 20


def test_create_mini_program(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    master = factory.member(ws, "master")
    for n, actor in enumerate((owner, master)):
        response = console(actor).post(
            f"/workspaces/{ws.id}/mini-programs",
            {
                "name": f"Coupons {n}",
                "description": "Deals",
                "category": "shopping",
                "release_target": "alipay_plus",
            },
        )
        assert response.status_code == 303
        created = {mp.name: mp for mp in _programs(session_factory, ws.id)}[f"Coupons {n}"]
        assert response.headers["location"] == f"/mini-programs/{created.id}"
        assert created.category == "shopping" and created.created_by == actor.id


def test_create_mini_program_refusals_keep_the_form_and_create_nothing(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    factory.mini_program(ws, owner, name="Taken")
    page = console(owner)
    url = f"/workspaces/{ws.id}/mini-programs"
    form = {"description": "kept", "release_target": "alipay_plus"}

    bad_category = page.post(url, {**form, "name": "New one", "category": "weapons"})
    assert bad_category.status_code == 422
    assert 'id="category-error"' in bad_category.text and "weapons" in bad_category.text
    assert 'value="New one"' in bad_category.text and ">kept</textarea>" in bad_category.text

    taken = page.post(url, {**form, "name": "taken", "category": "tools"})
    assert taken.status_code == 409
    assert "a mini program named &#39;taken&#39; already exists" in taken.text

    too_long = page.post(url, {**form, "name": "x" * 31, "category": "tools"})
    assert too_long.status_code == 422 and 'id="name-error"' in too_long.text

    developer = factory.member(ws, "developer")
    refused = console(developer).post(url, {**form, "name": "Mine", "category": "tools"})
    assert refused.status_code == 403
    admin = console(factory.user(platform_admin=True)).post(
        url, {**form, "name": "Admin's", "category": "tools"}
    )
    assert admin.status_code == 403
    outsider = console(factory.user()).post(url, {**form, "name": "Theirs", "category": "tools"})
    assert outsider.status_code == 404
    assert [mp.name for mp in _programs(session_factory, ws.id)] == ["Taken"]


def _events(session_factory: sessionmaker[Any], workspace_id: str, count: int, **more: Any) -> None:
    with session_factory() as session:
        for n in range(count):
            audit.record(
                session,
                action=f"test.event{n}",
                target_type="thing",
                target_id=f"t{n}",
                workspace_id=workspace_id,
                **{"actor": "system:test", **more},
            )
        session.commit()


def test_the_audit_log_newest_first_with_labels(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner, name="Shop")
    _events(session_factory, ws.id, 1, actor=owner.id, mini_program_id=mp.id, before={"a": 1})
    _events(session_factory, ws.id, 2)
    text = console(owner).get(f"/workspaces/{ws.id}/audit").text
    actions = re.findall(r"<code>(test\.event\d)</code>", text)
    assert actions == ["test.event1", "test.event0", "test.event0"]
    assert owner.email in text and "system:test" in text
    assert f'audit?mini_program_id={mp.id}"' in text and ">Shop</a>" in text
    assert "&#34;a&#34;: 1" in text or '"a": 1' in text


def test_the_audit_log_for_owners_masters_and_admins_only(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    _events(session_factory, ws.id, 1)
    master = factory.member(ws, "master")
    admin = factory.user(platform_admin=True)
    for actor in (owner, master, admin):
        response = console(actor).get(f"/workspaces/{ws.id}/audit")
        assert response.status_code == 200 and "test.event0" in response.text
    developer = factory.member(ws, "developer")
    assert console(developer).get(f"/workspaces/{ws.id}/audit").status_code == 403
    assert console(factory.user()).get(f"/workspaces/{ws.id}/audit").status_code == 404


def test_audit_filters_and_pages(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    shop = factory.mini_program(ws, owner, name="Shop")
    _events(session_factory, ws.id, 3)
    _events(session_factory, ws.id, 55, mini_program_id=shop.id, release_id="rel_x")
    page = console(owner)

    first = page.get(f"/workspaces/{ws.id}/audit", params={"mini_program_id": shop.id}).text
    assert first.count("rel_x</a>") == 50
    match = re.search(r'href="([^"]+)" rel="next"', first)
    assert match
    next_url = match.group(1).replace("&amp;", "&")
    assert f"mini_program_id={shop.id}" in next_url
    second = page.get(next_url).text
    assert second.count("rel_x</a>") == 5 and 'rel="next"' not in second

    by_release = page.get(f"/workspaces/{ws.id}/audit", params={"release_id": "rel_none"})
    assert "No events match these filters" in by_release.text

    unknown = page.get(f"/workspaces/{ws.id}/audit", params={"mini_program_id": "mp_nope"})
    assert unknown.status_code == 404
    assert "No mini program with this id is visible to you." in unknown.text


def test_audit_events_stay_in_their_workspace(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    other, _ = factory.workspace()
    _events(session_factory, other.id, 1)
    text = console(owner).get(f"/workspaces/{ws.id}/audit").text
    assert "test.event0" not in text
    with session_factory() as session:
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.workspace_id == other.id))


def test_audit_filters_by_action_family_and_actor_email(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    master = factory.member(ws, "master")
    with session_factory() as session:
        for action, actor in (
            ("release.grayscale", owner.id),
            ("release.pause", master.id),
            ("releases.other", owner.id),
            ("member.update", owner.id),
        ):
            audit.record(
                session,
                actor=actor,
                action=action,
                target_type="thing",
                target_id="t",
                workspace_id=ws.id,
            )
        session.commit()
    page = console(owner)
    family = page.get(f"/workspaces/{ws.id}/audit", params={"action": "release"}).text
    assert "<code>release.grayscale</code>" in family and "<code>release.pause</code>" in family
    assert "<code>releases.other</code>" not in family
    assert "<code>member.update</code>" not in family
    mine = page.get(
        f"/workspaces/{ws.id}/audit", params={"action": "release", "actor": master.email}
    ).text
    assert "<code>release.pause</code>" in mine and "<code>release.grayscale</code>" not in mine
    unknown = page.get(f"/workspaces/{ws.id}/audit", params={"actor": "nobody@example.com"})
    assert unknown.status_code == 404 and "No user with this email." in unknown.text
