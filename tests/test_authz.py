"""Role adjustments in ``authz`` (issue 13, item 7): where the reviewer roles hold (a
release under review, their own partner app, a listing), and who sees a whole
workspace. Pure functions of the principal and the context; no database."""

from __future__ import annotations

import pytest

from minirelease.authz import (
    Permission,
    Principal,
    Role,
    granted,
    release_reviewer_roles,
    roles_on_listing,
    roles_on_partner_app,
    sees_whole_workspace,
    without_reviewer_roles,
)

ADMIN = Principal("u_admin", "a@example.com", is_platform_admin=True)
PLATFORM_REVIEWER = Principal("u_pr", "p@example.com", is_platform_reviewer=True)
WALLET_REVIEWER = Principal("u_wr", "w@example.com", partner_reviewer_of=frozenset({"wallet"}))
NOBODY = Principal("u_n", "n@example.com")


def test_reviewer_roles_never_hold_on_a_mini_program_itself() -> None:
    every = set(Role)
    assert without_reviewer_roles(every) == every - {
        Role.PLATFORM_REVIEWER,
        Role.PARTNER_REVIEWER,
    }
    assert without_reviewer_roles(PLATFORM_REVIEWER.platform_roles()) == set()


@pytest.mark.parametrize(
    ("principal", "partner_app", "reviewed", "expected"),
    [
        (PLATFORM_REVIEWER, "wallet", False, set()),
        (PLATFORM_REVIEWER, "wallet", True, {Role.PLATFORM_REVIEWER}),
        (PLATFORM_REVIEWER, None, True, {Role.PLATFORM_REVIEWER}),
        (WALLET_REVIEWER, "wallet", False, set()),
        (WALLET_REVIEWER, "wallet", True, {Role.PARTNER_REVIEWER}),
        (WALLET_REVIEWER, "bank", True, set()),
        (WALLET_REVIEWER, None, True, set()),
        (ADMIN, "wallet", True, set()),
    ],
)
def test_reviewer_roles_hold_on_a_release_once_reviewed_and_on_their_own_app(
    principal: Principal, partner_app: str | None, reviewed: bool, expected: set[Role]
) -> None:
    roles = release_reviewer_roles(principal, reviewed=reviewed, partner_app=partner_app)
    assert roles == expected


def test_a_partner_reviewer_holds_their_role_on_their_own_partner_app_only() -> None:
    assert roles_on_partner_app(WALLET_REVIEWER, "wallet") == {Role.PARTNER_REVIEWER}
    assert roles_on_partner_app(WALLET_REVIEWER, "bank") == set()
    assert roles_on_partner_app(ADMIN, "bank") == {Role.PLATFORM_ADMIN}
    assert Permission.PARTNER_KEYS_MANAGE not in granted(
        roles_on_partner_app(WALLET_REVIEWER, "bank")
    )


def test_on_a_listing_the_team_the_admin_and_that_apps_reviewer_hold_roles() -> None:
    team = {Role.DEVELOPER, Role.PLATFORM_REVIEWER, Role.PARTNER_REVIEWER}  # as read
    assert roles_on_listing(WALLET_REVIEWER, team, "wallet") == {
        Role.DEVELOPER,
        Role.PARTNER_REVIEWER,
    }
    assert roles_on_listing(WALLET_REVIEWER, team, "bank") == {Role.DEVELOPER}
    assert roles_on_listing(ADMIN, set(), "bank") == {Role.PLATFORM_ADMIN}
    assert roles_on_listing(PLATFORM_REVIEWER, {Role.PLATFORM_REVIEWER}, "bank") == set()
    assert roles_on_listing(NOBODY, set(), "wallet") == set()


def test_owners_masters_and_admins_see_a_whole_workspace_developers_do_not() -> None:
    for role in (Role.OWNER, Role.MASTER, Role.PLATFORM_ADMIN):
        assert sees_whole_workspace({role, Role.DEVELOPER})
    assert not sees_whole_workspace({Role.DEVELOPER, Role.PARTNER_REVIEWER})
    assert not sees_whole_workspace(set())
