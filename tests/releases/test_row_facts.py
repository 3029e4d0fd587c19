"""Transitions decided from the release row alone (state.needs_context is False: pause,
resume, halt and the like) decide the same whatever the other facts are, so reading only
the row for them (facts.facts_for with an action) never changes an answer."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from minirelease.errors import InvalidTransition
from minirelease.releases.state import (
    TRANSITIONS,
    Action,
    Params,
    ReleaseFacts,
    Status,
    decide,
    needs_context,
)

# The facts read from other rows than the release's.
CONTEXT = (
    "compat_finished_on_current_build",
    "compat_whole_on_current_build",
    "compat_failing",
    "partner_blocks_failing_reports",
    "pair_has_online_version",
    "pair_has_other_active_release",
)
ROW_VARIANTS = [
    {"basis_points": points, "paused": paused, "halted": halted, **approvals}
    for points in (0, 100, 5000)
    for paused in (False, True)
    for halted in (False, True)
    for approvals in (
        {},
        {"platform_approved": True},
        {"partner_approved": True},
        {"platform_approved": True, "partner_approved": True},
    )
]
PARAMS = [
    Params(),
    Params(side="platform"),
    Params(side="partner"),
    Params(basis_points=100),
    Params(basis_points=5000),
    Params(basis_points=10_000),
]
ROW_ONLY = sorted(
    {(t.source, t.action) for t in TRANSITIONS if not needs_context(t.source, t.action)}
)


def _outcome(facts: ReleaseFacts, action: Action, params: Params) -> str:
    try:
        return decide(facts, action, params).value
    except InvalidTransition as refused:
        return f"refused: {refused.detail} ({refused.reason})"


def test_the_hot_grayscale_actions_are_decided_from_the_row() -> None:
    for action in (Action.PAUSE, Action.RESUME, Action.HALT, Action.FULL_RELEASE):
        assert not needs_context(Status.GRAYSCALE, action)
    # These read other rows: apply the compatibility runs and sibling releases, the start
    # of a grayscale the listing's online version.
    assert needs_context(Status.TESTED, Action.APPLY)
    assert needs_context(Status.APPROVED, Action.GRAYSCALE)


def test_a_pair_the_table_refuses_needs_nothing_more() -> None:
    assert not needs_context(Status.CANCELED, Action.RESUME)


@pytest.mark.parametrize(("status", "action"), ROW_ONLY, ids=lambda v: str(v))
def test_row_only_transitions_ignore_every_other_fact(status: Status, action: Action) -> None:
    for row, params in itertools.product(ROW_VARIANTS, PARAMS):
        base = ReleaseFacts(status=status, **row)
        expected = _outcome(base, action, params)
        for values in itertools.product((False, True), repeat=len(CONTEXT)):
            facts = replace(base, **dict(zip(CONTEXT, values, strict=True)))
            assert _outcome(facts, action, params) == expected, (row, params, values)
