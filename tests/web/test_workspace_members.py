"""Members and invitations on the console, for owners and masters: the page, role changes,
block and unblock, assignments, removal, invitations and their code shown once, revoke.
Every refusal is the service's, shown on the page, and leaves nothing changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.workspaces.models import DeveloperAssignment, Invitation, Membership
from tests.factories import Actor, Factory
from tests.web.console import Console

Sign = Callable[[Actor], Console]


class Rows:
    def __init__(self, session_factory: sessionmaker[Any]) -> None:
        self.session_factory = session_factory

    def member(self, workspace_id: str, user_id: str) -> tuple[str, bool, set[str]] | None:
        """(role, blocked, assigned mini program ids), or None when not a member."""
        with self.session_factory() as session:
            membership = session.scalar(
                select(Membership).where(
                    Membership.workspace_id == workspace_id, Membership.user_id == user_id
                )
            )
            if membership is None:
                return None
            assigned = session.scalars(
                select(DeveloperAssignment.mini_program_id).where(
                    DeveloperAssignment.membership_id == membership.id
                )
            )
            return membership.role, membership.blocked, set(assigned)

    def invitations(self, workspace_id: str) -> list[Invitation]:
        with self.session_factory() as session:
            return list(
                session.scalars(select(Invitation).where(Invitation.workspace_id == workspace_id))
            )


def _rows(session_factory: sessionmaker[Any]) -> Rows:
    return Rows(session_factory)


def test_the_members_page_for_owners_and_masters(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace(name="Acme")
    shop = factory.mini_program(ws, owner, name="Shop")
    master = factory.member(ws, "master")
    developer = factory.member(ws, "developer", mini_programs=(shop,))
    blocked = factory.member(ws, "developer", blocked=True)
    for actor in (owner, master):
        response = console(actor).get(f"/workspaces/{ws.id}/members")
        assert response.status_code == 200
        text = response.text
        for person in (owner, master, developer, blocked):
            assert person.email in text
        assert f'<a href="/mini-programs/{shop.id}">Shop</a>' in text
        assert "badge-blocked" in text and "No pending invitations." in text
        assert 'action="/workspaces/' + ws.id + '/invitations"' in text
        assert "Members</span>" in text  # breadcrumbs: Home, Acme, Members
    # A master manages developers only: no forms on the owner's row, no owner to appoint.
    text = console(master).get(f"/workspaces/{ws.id}/members").text
    assert f"/members/{owner.id}/role" not in text and f"/members/{developer.id}/role" in text
    assert '<option value="owner"' not in text
    assert '<option value="master"' not in text  # a master invites developers only


def test_the_members_page_is_not_for_developers_admins_or_outsiders(
    console: Sign, factory: Factory
) -> None:
    ws, owner = factory.workspace()
    developer = factory.member(ws, "developer")
    admin = factory.user(platform_admin=True)
    assert console(developer).get(f"/workspaces/{ws.id}/members").status_code == 403
    assert console(admin).get(f"/workspaces/{ws.id}/members").status_code == 403
    assert console(factory.user()).get(f"/workspaces/{ws.id}/members").status_code == 404
    member_page = f"/workspaces/{ws.id}/members/{developer.id}"
    assert console(developer).get(member_page).status_code == 403
    assert console(factory.user()).get(member_page).status_code == 404
    assert console(owner).get(f"/workspaces/{ws.id}/members/usr_nobody").status_code == 404


def test_change_a_role(console: Sign, factory: Factory, session_factory: sessionmaker[Any]) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    developer = factory.member(ws, "developer", mini_programs=(mp,))
    rows = _rows(session_factory)
    response = console(owner).post(
        f"/workspaces/{ws.id}/members/{developer.id}/role", {"role": "master"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/workspaces/{ws.id}/members"
    assert rows.member(ws.id, developer.id) == ("master", False, set())


def test_a_master_may_not_promote_to_owner_nor_touch_an_owner(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    master = factory.member(ws, "master")
    developer = factory.member(ws, "developer")
    rows = _rows(session_factory)
    page = console(master)
    promote = page.post(f"/workspaces/{ws.id}/members/{developer.id}/role", {"role": "owner"})
    assert promote.status_code == 403
    assert "you may not appoint an owner" in promote.text and developer.email in promote.text
    assert rows.member(ws.id, developer.id) == ("developer", False, set())
    block = page.post(f"/workspaces/{ws.id}/members/{owner.id}/blocked", {"blocked": "true"})
    assert block.status_code == 403 and "you may not change an owner" in block.text
    remove = page.post(f"/workspaces/{ws.id}/members/{owner.id}/remove")
    assert remove.status_code == 403
    assert rows.member(ws.id, owner.id) == ("owner", False, set())


def test_the_last_owner_cannot_be_demoted_blocked_or_removed(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    rows = _rows(session_factory)
    page = console(owner)
    demote = page.post(f"/workspaces/{ws.id}/members/{owner.id}/role", {"role": "master"})
    assert demote.status_code == 409
    assert "the last active owner cannot be demoted or blocked" in demote.text
    leave = page.post(f"/workspaces/{ws.id}/members/{owner.id}/remove")
    assert leave.status_code == 409 and "the last owner cannot leave" in leave.text
    assert rows.member(ws.id, owner.id) == ("owner", False, set())
    # With a second owner, the first may leave, and lands on the home page.
    second = factory.member(ws, "owner")
    removed = console(second).post(f"/workspaces/{ws.id}/members/{owner.id}/remove")
    assert removed.status_code == 303 and rows.member(ws.id, owner.id) is None
    alone = console(second).post(f"/workspaces/{ws.id}/members/{second.id}/remove")
    assert alone.status_code == 409 and rows.member(ws.id, second.id) is not None
    third = factory.member(ws, "owner")
    left = console(third).post(f"/workspaces/{ws.id}/members/{third.id}/remove")
    assert left.status_code == 303 and left.headers["location"] == "/"


def test_block_and_unblock(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    master = factory.member(ws, "master")
    rows = _rows(session_factory)
    page = console(owner)
    url = f"/workspaces/{ws.id}/members/{master.id}/blocked"
    assert page.post(url, {"blocked": "true"}).status_code == 303
    assert rows.member(ws.id, master.id) == ("master", True, set())
    # Blocked, the master sees the workspace no more.
    assert console(master).get(f"/workspaces/{ws.id}").status_code == 404
    assert "Unblock" in page.get(f"/workspaces/{ws.id}/members").text
    assert page.post(url, {"blocked": "false"}).status_code == 303
    assert rows.member(ws.id, master.id) == ("master", False, set())
    self_block = page.post(f"/workspaces/{ws.id}/members/{owner.id}/blocked", {"blocked": "true"})
    assert self_block.status_code == 422 and "you cannot block yourself" in self_block.text


def test_assign_mini_programs_to_a_developer(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace(name="Acme")
    shop = factory.mini_program(ws, owner, name="Shop")
    food = factory.mini_program(ws, owner, name="Food")
    developer = factory.member(ws, "developer", mini_programs=(shop,))
    master = factory.member(ws, "master")
    rows = _rows(session_factory)
    page = console(master)
    member_url = f"/workspaces/{ws.id}/members/{developer.id}"
    shown = page.get(member_url).text
    assert re.search(rf'value="{shop.id}"\s+checked', shown)
    assert re.search(rf'value="{food.id}"\s*>', shown)
    assert f'<a href="/workspaces/{ws.id}/members">Members</a>' in shown

    response = page.post(
        f"{member_url}/mini-programs", {"mini_program_ids": [food.id, shop.id], "back": "member"}
    )
    assert response.status_code == 303 and response.headers["location"] == member_url
    assert rows.member(ws.id, developer.id) == ("developer", False, {shop.id, food.id})

    other_ws, stranger = factory.workspace()
    theirs = factory.mini_program(other_ws, stranger)
    refused = page.post(
        f"{member_url}/mini-programs", {"mini_program_ids": [theirs.id], "back": "member"}
    )
    assert refused.status_code == 422 and "is not a mini program of this workspace" in refused.text
    assert "Assign mini programs" in refused.text  # the member's page again
    assert rows.member(ws.id, developer.id) == ("developer", False, {shop.id, food.id})

    cleared = page.post(f"{member_url}/mini-programs", {"back": "member"})
    assert cleared.status_code == 303
    assert rows.member(ws.id, developer.id) == ("developer", False, set())


def test_remove_a_developer(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, _ = factory.workspace()
    developer = factory.member(ws, "developer")
    master = factory.member(ws, "master")
    rows = _rows(session_factory)
    refused = console(developer).post(f"/workspaces/{ws.id}/members/{master.id}/remove")
    assert refused.status_code == 403
    response = console(master).post(f"/workspaces/{ws.id}/members/{developer.id}/remove")
    assert response.status_code == 303 and rows.member(ws.id, developer.id) is None
    gone = console(master).post(f"/workspaces/{ws.id}/members/{developer.id}/remove")
    assert gone.status_code == 404
    outsider = console(factory.user()).post(f"/workspaces/{ws.id}/members/{master.id}/remove")
    assert outsider.status_code == 404 and rows.member(ws.id, master.id) is not None


CODE = re.compile(r'id="invitation-code" type="text" readonly value="([^"]+)"')


def test_invite_shows_the_code_once_and_never_in_a_url(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    shop = factory.mini_program(ws, owner, name="Shop")
    rows = _rows(session_factory)
    page = console(owner)
    response = page.post(
        f"/workspaces/{ws.id}/invitations",
        {"email": "New.Dev@Example.com", "role": "developer", "mini_program_ids": [shop.id]},
    )
    assert response.status_code == 200 and "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    match = CODE.search(response.text)
    assert match
    code = match.group(1)
    assert "This code is shown only once." in response.text
    (invitation,) = rows.invitations(ws.id)
    assert (invitation.email, invitation.role) == ("new.dev@example.com", "developer")
    assert invitation.mini_program_ids == [shop.id] and code not in invitation.token_hash
    # The next view lists the invitation, never its code again.
    again = page.get(f"/workspaces/{ws.id}/members").text
    assert "new.dev@example.com" in again and code not in again
    assert f"/invitations/{invitation.id}/revoke" in again


def test_invitation_refusals_keep_the_form_and_create_nothing(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    shop = factory.mini_program(ws, owner)
    master = factory.member(ws, "master")
    developer = factory.member(ws, "developer")
    rows = _rows(session_factory)
    url = f"/workspaces/{ws.id}/invitations"

    as_master = console(master).post(url, {"email": "m@example.com", "role": "master"})
    assert as_master.status_code == 403 and "you may not invite a master" in as_master.text
    assert 'value="m@example.com"' in as_master.text

    owner_page = console(owner)
    as_owner = owner_page.post(url, {"email": "o@example.com", "role": "owner"})
    assert as_owner.status_code == 422
    bad_email = owner_page.post(url, {"email": "not an email", "role": "developer"})
    assert bad_email.status_code == 422 and "not a valid email address" in bad_email.text
    master_programs = owner_page.post(
        url, {"email": "x@example.com", "role": "master", "mini_program_ids": [shop.id]}
    )
    assert master_programs.status_code == 422
    existing = owner_page.post(url, {"email": developer.email, "role": "developer"})
    assert existing.status_code == 409 and "already a member" in existing.text
    by_developer = console(developer).post(url, {"email": "d@example.com", "role": "developer"})
    assert by_developer.status_code == 403
    by_outsider = console(factory.user()).post(url, {"email": "z@example.com", "role": "developer"})
    assert by_outsider.status_code == 404
    for refused in (as_master, as_owner, bad_email, master_programs, existing):
        assert CODE.search(refused.text) is None
    assert rows.invitations(ws.id) == []


def test_revoke_an_invitation(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    master = factory.member(ws, "master")
    rows = _rows(session_factory)
    owner_page = console(owner)
    owner_page.post(
        f"/workspaces/{ws.id}/invitations", {"email": "a@example.com", "role": "master"}
    )
    console(master).post(
        f"/workspaces/{ws.id}/invitations", {"email": "b@example.com", "role": "developer"}
    )
    by_role = {inv.role: inv for inv in rows.invitations(ws.id)}

    master_page = console(master)
    listed = master_page.get(f"/workspaces/{ws.id}/members").text
    assert f"/invitations/{by_role['master'].id}/revoke" not in listed
    refused = master_page.post(f"/workspaces/{ws.id}/invitations/{by_role['master'].id}/revoke")
    assert refused.status_code == 403 and len(rows.invitations(ws.id)) == 2

    done = master_page.post(f"/workspaces/{ws.id}/invitations/{by_role['developer'].id}/revoke")
    assert done.status_code == 303
    assert done.headers["location"] == f"/workspaces/{ws.id}/members"
    assert [inv.role for inv in rows.invitations(ws.id)] == ["master"]
    missing = owner_page.post(f"/workspaces/{ws.id}/invitations/inv_nothing/revoke")
    assert missing.status_code == 404


def test_member_forms_need_their_csrf_token(
    console: Sign, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    developer = factory.member(ws, "developer")
    page = console(owner)
    forged = page.client.post(
        f"/workspaces/{ws.id}/members/{developer.id}/remove", follow_redirects=False
    )
    assert forged.status_code == 403
    assert _rows(session_factory).member(ws.id, developer.id) is not None
