"""Every (status, action) pair of design §3, allowed and refused, plus each guard."""

from __future__ import annotations

from dataclasses import replace

import pytest

from minirelease.errors import InvalidTransition
from minirelease.releases.state import (
    COMPAT_REPORT_FAILING,
    COMPAT_RUN_MISSING,
    COMPAT_RUN_NARROWED,
    Action,
    Params,
    ReleaseFacts,
    Status,
    allowed_actions,
    decide,
)

S, A = Status, Action

# Facts under which every guard passes, so the table itself is what is tested.
PERMISSIVE = ReleaseFacts(
    status=S.BUILDING,
    basis_points=500,
    compat_finished_on_current_build=True,
    compat_whole_on_current_build=True,
    pair_has_online_version=True,
)
PARAMS: dict[Action, Params] = {
    A.APPROVE: Params(side="platform"),
    A.GRAYSCALE: Params(basis_points=1000),
}

# Written from design §3, independently of the implementation's table.
EXPECTED: dict[tuple[Status, Action], Status] = {
    (S.BUILDING, A.BUILD_SUCCEEDED): S.AWAITING_TEST,
    (S.BUILDING, A.BUILD_FAILED): S.BUILD_FAILED,
    (S.BUILDING, A.CANCEL): S.CANCELED,
    (S.BUILD_FAILED, A.CONFIGURE): S.BUILDING,
    (S.BUILD_FAILED, A.CANCEL): S.CANCELED,
    (S.AWAITING_TEST, A.TEST): S.TESTING,
    (S.AWAITING_TEST, A.CONFIGURE): S.BUILDING,
    (S.AWAITING_TEST, A.CANCEL): S.CANCELED,
    (S.TESTING, A.TEST_FINISHED): S.TESTED,
    (S.TESTING, A.CANCEL): S.CANCELED,
    (S.TESTED, A.TEST): S.TESTING,
    (S.TESTED, A.CONFIGURE): S.BUILDING,
    (S.TESTED, A.APPLY): S.IN_REVIEW,
    (S.TESTED, A.CANCEL): S.CANCELED,
    (S.IN_REVIEW, A.APPROVE): S.IN_REVIEW,  # one side of two
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.WITHDRAW): S.TESTED,
    (S.REJECTED, A.APPLY): S.IN_REVIEW,
    (S.REJECTED, A.CONFIGURE): S.BUILDING,
    (S.REJECTED, A.CANCEL): S.CANCELED,
    (S.APPROVED, A.PILOT): S.PILOT,
    (S.APPROVED, A.GRAYSCALE): S.GRAYSCALE,
    (S.APPROVED, A.FULL_RELEASE): S.RELEASED,
    (S.APPROVED, A.CANCEL): S.CANCELED,
    (S.PILOT, A.UPDATE_TESTERS): S.PILOT,
    (S.PILOT, A.COMPLETE_PILOT): S.APPROVED,
    (S.PILOT, A.CANCEL): S.CANCELED,
    (S.GRAYSCALE, A.GRAYSCALE): S.GRAYSCALE,
    (S.GRAYSCALE, A.PAUSE): S.GRAYSCALE,
    (S.GRAYSCALE, A.HALT): S.GRAYSCALE,
    (S.GRAYSCALE, A.RESUME): S.GRAYSCALE,  # from paused (see NEEDS_PAUSE)
    (S.GRAYSCALE, A.FULL_RELEASE): S.RELEASED,
    (S.GRAYSCALE, A.COMPLETE_AT_DEADLINE): S.RELEASED,
    (S.GRAYSCALE, A.CANCEL): S.CANCELED,
    (S.RELEASED, A.ARCHIVE): S.ARCHIVED,
    (S.RELEASED, A.ROLL_BACK): S.ROLLED_BACK,
}
# RESUME needs a paused (or halted) grayscale to have something to resume.
NEEDS_PAUSE = {(S.GRAYSCALE, A.RESUME)}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_status_action_pair(status: Status, action: Action) -> None:
    facts = replace(PERMISSIVE, status=status)
    params = PARAMS.get(action)
    if (status, action) in NEEDS_PAUSE:
        facts = replace(facts, paused=True)
    if (status, action) in EXPECTED:
        assert decide(facts, action, params) == EXPECTED[status, action]
    else:
        with pytest.raises(InvalidTransition) as refused:
            decide(facts, action, params)
        assert refused.value.state == status.value
        assert refused.value.event == action.value


def test_terminal_statuses_allow_nothing() -> None:
    for status in (S.CANCELED, S.ARCHIVED, S.ROLLED_BACK):
        assert allowed_actions(status) == []


def test_both_sides_must_approve() -> None:
    facts = replace(PERMISSIVE, status=S.IN_REVIEW, platform_approved=True)
    assert decide(facts, A.APPROVE, Params(side="partner")) == S.APPROVED
    with pytest.raises(InvalidTransition, match="already approved"):
        decide(facts, A.APPROVE, Params(side="platform"))
    with pytest.raises(InvalidTransition, match="side"):
        decide(facts, A.APPROVE, Params(side="nobody"))


def test_apply_needs_a_finished_run_and_respects_policy_and_exclusivity() -> None:
    tested = replace(PERMISSIVE, status=S.TESTED)
    nothing = replace(
        tested, compat_finished_on_current_build=False, compat_whole_on_current_build=False
    )
    with pytest.raises(InvalidTransition, match="compatibility run") as missing:
        decide(nothing, A.APPLY)
    assert missing.value.reason == COMPAT_RUN_MISSING
    failing = replace(tested, compat_failing=True)
    assert decide(failing, A.APPLY) == S.IN_REVIEW
    with pytest.raises(InvalidTransition, match="does not accept") as blocked:
        decide(replace(failing, partner_blocks_failing_reports=True), A.APPLY)
    assert blocked.value.reason == COMPAT_REPORT_FAILING
    with pytest.raises(InvalidTransition, match="already under way"):
        decide(replace(tested, pair_has_other_active_release=True), A.APPLY)


def test_apply_needs_a_run_over_the_whole_matrix_whatever_the_policy() -> None:
    narrowed_only = replace(PERMISSIVE, status=S.TESTED, compat_whole_on_current_build=False)
    for blocks in (False, True):
        with pytest.raises(InvalidTransition, match="whole matrix") as refused:
            decide(replace(narrowed_only, partner_blocks_failing_reports=blocks), A.APPLY)
        assert refused.value.reason == COMPAT_RUN_NARROWED
        assert refused.value.extra == {
            "state": "tested",
            "event": "apply",
            "reason": COMPAT_RUN_NARROWED,
        }
        assert "run Test Compatibility over the whole matrix" in refused.value.detail
    rejected = replace(narrowed_only, status=S.REJECTED)
    with pytest.raises(InvalidTransition, match="whole matrix"):
        decide(rejected, A.APPLY)
    assert decide(replace(rejected, compat_whole_on_current_build=True), A.APPLY) == S.IN_REVIEW


def test_grayscale_start_rules() -> None:
    approved = replace(PERMISSIVE, status=S.APPROVED, basis_points=0)
    with pytest.raises(InvalidTransition, match="already online"):
        decide(
            replace(approved, pair_has_online_version=False), A.GRAYSCALE, Params(basis_points=100)
        )
    with pytest.raises(InvalidTransition, match="starts at 1%"):
        decide(approved, A.GRAYSCALE, Params(basis_points=99))
    assert decide(approved, A.GRAYSCALE, Params(basis_points=100)) == S.GRAYSCALE
    assert decide(approved, A.GRAYSCALE, Params(basis_points=10_000)) == S.RELEASED


def test_raise_only_up_and_not_while_paused_or_halted() -> None:
    gray = replace(PERMISSIVE, status=S.GRAYSCALE, basis_points=500)
    assert decide(gray, A.GRAYSCALE, Params(basis_points=501)) == S.GRAYSCALE
    assert decide(gray, A.GRAYSCALE, Params(basis_points=10_000)) == S.RELEASED
    for lower in (500, 499, 1):
        with pytest.raises(InvalidTransition, match="only goes up"):
            decide(gray, A.GRAYSCALE, Params(basis_points=lower))
    with pytest.raises(InvalidTransition, match="paused"):
        decide(replace(gray, paused=True), A.GRAYSCALE, Params(basis_points=600))
    with pytest.raises(InvalidTransition, match="halted"):
        decide(replace(gray, halted=True), A.GRAYSCALE, Params(basis_points=600))


def test_pause_halt_and_resume() -> None:
    gray = replace(PERMISSIVE, status=S.GRAYSCALE)
    with pytest.raises(InvalidTransition, match="already paused"):
        decide(replace(gray, paused=True), A.PAUSE)
    with pytest.raises(InvalidTransition, match="halted"):
        decide(replace(gray, halted=True), A.HALT)
    with pytest.raises(InvalidTransition, match="neither"):
        decide(gray, A.RESUME)
    assert decide(replace(gray, paused=True), A.HALT) == S.GRAYSCALE


def test_resume_clears_pause_or_halt() -> None:
    gray = replace(PERMISSIVE, status=S.GRAYSCALE)
    assert decide(replace(gray, paused=True), A.RESUME) == S.GRAYSCALE
    assert decide(replace(gray, halted=True), A.RESUME) == S.GRAYSCALE


def test_halted_grayscale_is_not_completed_by_the_clock_or_full_release() -> None:
    halted = replace(PERMISSIVE, status=S.GRAYSCALE, halted=True)
    for action in (A.COMPLETE_AT_DEADLINE, A.FULL_RELEASE):
        with pytest.raises(InvalidTransition, match="halted"):
            decide(halted, action)
