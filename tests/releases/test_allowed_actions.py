"""allowed.py without a database: which endpoint names a holder of some permissions is
offered for given facts, and that every name is an endpoint the API serves."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.routing import APIRoute

from minirelease.api.routers.releases import router
from minirelease.authz import ROLE_PERMISSIONS, Permission, Role
from minirelease.releases.allowed import ENDPOINTS, REVIEW_SIDES, allowed, requestable
from minirelease.releases.state import ReleaseFacts, Status

S = Status
TEAM = ROLE_PERMISSIONS[Role.DEVELOPER]
PLATFORM = ROLE_PERMISSIONS[Role.PLATFORM_REVIEWER]
PARTNER = ROLE_PERMISSIONS[Role.PARTNER_REVIEWER]
ADMIN = ROLE_PERMISSIONS[Role.PLATFORM_ADMIN]
COMPAT_DONE = ReleaseFacts(
    status=S.TESTED, compat_finished_on_current_build=True, compat_whole_on_current_build=True
)


@pytest.mark.parametrize(
    ("facts", "permissions", "expected"),
    [
        (ReleaseFacts(S.BUILDING), TEAM, ["cancel"]),
        (ReleaseFacts(S.AWAITING_TEST), TEAM, ["compatibility-runs", "configuration", "cancel"]),
        # Apply waits for a finished run over the whole matrix …
        (ReleaseFacts(S.TESTED), TEAM, ["compatibility-runs", "configuration", "cancel"]),
        (
            replace(COMPAT_DONE, compat_whole_on_current_build=False),
            TEAM,
            ["compatibility-runs", "configuration", "cancel"],
        ),
        (COMPAT_DONE, TEAM, ["compatibility-runs", "configuration", "apply", "cancel"]),
        # … a passing report where the partner app refuses failing ones, and no other
        # release of the pair under way.
        (
            replace(COMPAT_DONE, compat_failing=True, partner_blocks_failing_reports=True),
            TEAM,
            ["compatibility-runs", "configuration", "cancel"],
        ),
        (
            replace(COMPAT_DONE, compat_failing=True),
            TEAM,
            ["compatibility-runs", "configuration", "apply", "cancel"],
        ),
        (
            replace(COMPAT_DONE, pair_has_other_active_release=True),
            TEAM,
            ["compatibility-runs", "configuration", "cancel"],
        ),
        (COMPAT_DONE, PLATFORM, []),
        (ReleaseFacts(S.IN_REVIEW), TEAM, ["withdraw"]),
        (
            ReleaseFacts(S.IN_REVIEW),
            PLATFORM,
            ["reviews:platform:approve", "reviews:platform:reject"],
        ),
        (
            ReleaseFacts(S.IN_REVIEW),
            PARTNER,
            ["reviews:partner:approve", "reviews:partner:reject"],
        ),
        # A side that approved may still reject while the other has not decided.
        (
            ReleaseFacts(S.IN_REVIEW, platform_approved=True),
            PLATFORM | PARTNER,
            ["reviews:partner:approve", "reviews:platform:reject", "reviews:partner:reject"],
        ),
        (ReleaseFacts(S.IN_REVIEW), ADMIN, []),
        (ReleaseFacts(S.REJECTED), PARTNER, []),
        # A grayscale needs a version online already.
        (ReleaseFacts(S.APPROVED), TEAM, ["pilot", "full-release", "cancel"]),
        (
            ReleaseFacts(S.APPROVED, pair_has_online_version=True),
            TEAM,
            ["pilot", "grayscale", "full-release", "cancel"],
        ),
        (ReleaseFacts(S.APPROVED), PLATFORM | PARTNER, []),
        (ReleaseFacts(S.PILOT), TEAM, ["pilot", "pilot/complete", "cancel"]),
        (
            ReleaseFacts(S.GRAYSCALE, basis_points=500),
            TEAM,
            ["grayscale", "pause", "halt", "full-release", "cancel"],
        ),
        (
            ReleaseFacts(S.GRAYSCALE, basis_points=500, paused=True),
            TEAM,
            ["halt", "resume", "full-release", "cancel"],
        ),
        (ReleaseFacts(S.GRAYSCALE, basis_points=500, halted=True), TEAM, ["resume", "cancel"]),
        (ReleaseFacts(S.RELEASED, basis_points=10_000), TEAM, []),
        (ReleaseFacts(S.CANCELED), TEAM, []),
    ],
)
def test_allowed_follows_permissions_and_guards(
    facts: ReleaseFacts, permissions: frozenset[Permission], expected: list[str]
) -> None:
    assert allowed(facts, permissions) == expected


def test_requestable_leaves_the_guards_to_the_page() -> None:
    assert requestable(S.TESTED, TEAM) == [
        "compatibility-runs",
        "configuration",
        "apply",
        "cancel",
    ]
    assert requestable(S.TESTED, PLATFORM) == []
    assert requestable(S.IN_REVIEW, PLATFORM) == [
        "reviews:platform:approve",
        "reviews:platform:reject",
    ]


def test_every_name_is_a_release_endpoint() -> None:
    routes = {
        (method, route.path)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    for name in set(ENDPOINTS.values()):
        method = "PUT" if name == "configuration" else "POST"
        assert (method, f"/releases/{{release_id}}/{name}") in routes, name
    assert ("POST", "/releases/{release_id}/reviews") in routes
    assert set(REVIEW_SIDES) == {"platform", "partner"}
