"""The pure workspace rules, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from minirelease.authz import Role
from minirelease.errors import Conflict, PermissionDenied, ValidationFailed
from minirelease.workspaces import rules

OWNER, MASTER, DEVELOPER = Role.OWNER, Role.MASTER, Role.DEVELOPER

MANAGES = {
    (OWNER, OWNER): True,
    (OWNER, MASTER): True,
    (OWNER, DEVELOPER): True,
    (MASTER, OWNER): False,
    (MASTER, MASTER): False,
    (MASTER, DEVELOPER): True,
    (DEVELOPER, OWNER): False,
    (DEVELOPER, MASTER): False,
    (DEVELOPER, DEVELOPER): False,
}


@pytest.mark.parametrize(("actor", "target"), list(MANAGES))
def test_who_manages_whom(actor: Role, target: Role) -> None:
    assert rules.may_manage({actor}, target) is MANAGES[actor, target]


@pytest.mark.parametrize(
    "platform_role", [Role.PLATFORM_ADMIN, Role.PLATFORM_REVIEWER, Role.PARTNER_REVIEWER]
)
def test_platform_roles_manage_no_member(platform_role: Role) -> None:
    assert not any(rules.may_manage({platform_role}, target) for target in rules.MANAGE_PERMISSION)


def test_refusal_names_the_action_and_the_role() -> None:
    with pytest.raises(PermissionDenied, match="you may not remove an owner"):
        rules.require_may_manage({MASTER}, OWNER, action="remove")
    with pytest.raises(PermissionDenied, match="you may not invite a master"):
        rules.require_may_manage({MASTER}, MASTER, action="invite")
    rules.require_may_manage({MASTER}, DEVELOPER, action="invite")


def test_workspace_role_names_the_choices() -> None:
    assert rules.workspace_role("master") is MASTER
    with pytest.raises(ValidationFailed, match="owner, master, developer"):
        rules.workspace_role("platform_admin")


def test_owners_are_not_invited() -> None:
    rules.require_invitable(MASTER)
    rules.require_invitable(DEVELOPER)
    with pytest.raises(ValidationFailed, match="master or developer"):
        rules.require_invitable(OWNER)


def test_only_developers_get_assignments() -> None:
    rules.require_assignable(DEVELOPER, ["mp_1"])
    rules.require_assignable(MASTER, [])
    with pytest.raises(ValidationFailed, match="only to developers"):
        rules.require_assignable(MASTER, ["mp_1"])


@pytest.mark.parametrize(
    ("active_owners", "was", "stays", "loses"),
    [
        (1, True, False, True),  # the last owner demoted, blocked or removed
        (2, True, False, False),  # another owner remains
        (1, True, True, False),  # the owner stays an owner
        (1, False, False, False),  # the change does not touch an active owner
    ],
)
def test_last_active_owner(active_owners: int, was: bool, stays: bool, loses: bool) -> None:
    assert (
        rules.loses_last_active_owner(active_owners, was_active_owner=was, stays_active_owner=stays)
        is loses
    )


def test_require_keeps_an_owner_raises_the_given_problem() -> None:
    with pytest.raises(Conflict, match="the last owner cannot leave"):
        rules.require_keeps_an_owner(
            1,
            was_active_owner=True,
            stays_active_owner=False,
            problem="the last owner cannot leave",
        )


def test_invitation_expires_three_days_after_creation() -> None:
    created = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    expires = rules.invitation_expires_at(created)
    assert expires == created + dt.timedelta(days=3)
    assert not rules.is_expired(expires, created + dt.timedelta(days=2, hours=23))
    assert not rules.is_expired(expires, expires - dt.timedelta(microseconds=1))
    assert rules.is_expired(expires, expires)
    assert rules.is_expired(expires, created + dt.timedelta(days=3, seconds=1))


def test_mask_email_keeps_the_domain_and_one_letter() -> None:
    assert rules.mask_email("alice@example.com") == "a***@example.com"
    assert "alice" not in rules.mask_email("alice@example.com")
