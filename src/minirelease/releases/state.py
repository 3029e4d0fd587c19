"""The release state machine of design §3: every transition in one table, guards that
only read facts (no side effects), and ``InvalidTransition`` carrying state and action.

The service gathers ``ReleaseFacts`` inside its transaction, asks ``decide`` for the next
status, then applies that status and the action's own fields (percentage, flags, reviews)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from minirelease.errors import InvalidTransition


class Status(StrEnum):
    BUILDING = "building"
    BUILD_FAILED = "build_failed"
    AWAITING_TEST = "awaiting_test"
    TESTING = "testing"
    TESTED = "tested"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    APPROVED = "approved"
    PILOT = "pilot"
    GRAYSCALE = "grayscale"
    RELEASED = "released"
    CANCELED = "canceled"
    ARCHIVED = "archived"
    ROLLED_BACK = "rolled_back"


class Action(StrEnum):
    BUILD_SUCCEEDED = "build_succeeded"
    BUILD_FAILED = "build_failed"
    CONFIGURE = "configure"
    TEST = "test"
    TEST_FINISHED = "test_finished"
    APPLY = "apply"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    PILOT = "pilot"
    UPDATE_TESTERS = "update_testers"
    COMPLETE_PILOT = "complete_pilot"
    GRAYSCALE = "grayscale"
    PAUSE = "pause"
    RESUME = "resume"
    HALT = "halt"
    FULL_RELEASE = "full_release"
    COMPLETE_AT_DEADLINE = "complete_at_deadline"
    CANCEL = "cancel"
    ARCHIVE = "archive"
    ROLL_BACK = "roll_back"


TERMINAL = frozenset({Status.CANCELED, Status.ARCHIVED, Status.ROLLED_BACK})
# At most one release per (mini program, partner app) may be in these at a time.
ACTIVE = frozenset(
    {Status.IN_REVIEW, Status.REJECTED, Status.APPROVED, Status.PILOT, Status.GRAYSCALE}
)
FULL = 10_000  # basis points: 100 %


@dataclass(frozen=True)
class ReleaseFacts:
    """What the guards may look at, read in the same transaction as the change."""

    status: Status
    basis_points: int = 0
    paused: bool = False
    halted: bool = False
    platform_approved: bool = False
    partner_approved: bool = False
    # The compatibility gate of apply (releases/compat_gate.py): some run finished on the
    # current build; one of them covered the partner app's whole matrix; the latest such
    # whole run's report fails.
    compat_finished_on_current_build: bool = False
    compat_whole_on_current_build: bool = False
    compat_failing: bool = False
    partner_blocks_failing_reports: bool = False
    pair_has_online_version: bool = False
    pair_has_other_active_release: bool = False


@dataclass(frozen=True)
class Params:
    """The action's own input: a review side or a grayscale percentage."""

    side: str | None = None  # "platform" | "partner"
    basis_points: int | None = None


@dataclass(frozen=True)
class Refusal:
    """A guard's refusal that also names its ``reason`` with a stable code, for callers to
    act on (the API's problem body carries it next to ``code: invalid_transition``)."""

    reason: str
    detail: str


# Stable reasons of the compatibility gate of apply.
COMPAT_RUN_MISSING = "compatibility_run_missing"
COMPAT_RUN_NARROWED = "compatibility_run_narrowed"
COMPAT_REPORT_FAILING = "compatibility_report_failing"

Guard = Callable[[ReleaseFacts, Params], str | Refusal | None]  # why to refuse, or None
Target = Status | Callable[[ReleaseFacts, Params], Status]


@dataclass(frozen=True)
class Transition:
    source: Status
    action: Action
    target: Target
    guards: tuple[Guard, ...] = ()


# Guards ---------------------------------------------------------------------------------


def _compat_done(f: ReleaseFacts, _: Params) -> Refusal | None:
    """Apply needs a finished run over the partner app's whole matrix on the current build,
    whatever the partner app's policy (narrowed runs are for iterating); where the partner
    app refuses failing reports, that run's report must not fail."""
    if not f.compat_finished_on_current_build:
        return Refusal(
            COMPAT_RUN_MISSING,
            "apply needs a finished compatibility run on the current build: "
            "run Test Compatibility over the partner app's whole matrix",
        )
    if not f.compat_whole_on_current_build:
        return Refusal(
            COMPAT_RUN_NARROWED,
            "apply needs a finished compatibility run over the partner app's whole matrix on "
            "the current build, and this build's runs were narrowed: run Test Compatibility "
            "over the whole matrix (leave out os, networks and devices)",
        )
    if f.compat_failing and f.partner_blocks_failing_reports:
        return Refusal(
            COMPAT_REPORT_FAILING,
            "the partner app does not accept releases whose compatibility report fails",
        )
    return None


def _no_other_active(f: ReleaseFacts, _: Params) -> str | None:
    if f.pair_has_other_active_release:
        return "another release of this mini program to this partner app is already under way"
    return None


def _side_not_yet_approved(f: ReleaseFacts, p: Params) -> str | None:
    if p.side not in ("platform", "partner"):
        return "side must be platform or partner"
    done = f.platform_approved if p.side == "platform" else f.partner_approved
    return f"the {p.side} side has already approved" if done else None


def _online_version_exists(f: ReleaseFacts, _: Params) -> str | None:
    if not f.pair_has_online_version:
        return "a grayscale needs a version already online; release the first one fully"
    return None


def _start_percentage(_: ReleaseFacts, p: Params) -> str | None:
    if p.basis_points is None or not 100 <= p.basis_points <= FULL:
        return "a grayscale starts at 1% to 100%"
    return None


def _percentage_rises(f: ReleaseFacts, p: Params) -> str | None:
    if p.basis_points is None or not f.basis_points < p.basis_points <= FULL:
        return f"the grayscale ratio only goes up (now {f.basis_points / 100:g}%)"
    return None


def _ramp_moving(f: ReleaseFacts, _: Params) -> str | None:
    if f.halted:
        return "the grayscale is halted; resume it first"
    if f.paused:
        return "the grayscale is paused; resume it first"
    return None


def _not_halted(f: ReleaseFacts, _: Params) -> str | None:
    return "the grayscale is halted; resume it first" if f.halted else None


def _not_paused(f: ReleaseFacts, _: Params) -> str | None:
    return "the grayscale is already paused" if f.paused else None


def _paused_or_halted(f: ReleaseFacts, _: Params) -> str | None:
    return None if f.paused or f.halted else "the grayscale is neither paused nor halted"


# Computed targets -----------------------------------------------------------------------


def _after_approval(f: ReleaseFacts, p: Params) -> Status:
    other_side_done = f.partner_approved if p.side == "platform" else f.platform_approved
    return Status.APPROVED if other_side_done else Status.IN_REVIEW


def _after_percentage(_: ReleaseFacts, p: Params) -> Status:
    return Status.RELEASED if p.basis_points == FULL else Status.GRAYSCALE


# The guards and computed targets above that read nothing but the release row's own facts
# (status, basis_points, paused, halted, the two approvals) and the action's params. A
# transition made of these only is decided without reading any other row (needs_context).
# Leaving a new one out is safe: it only costs those reads.
_ROW_ONLY: frozenset[Callable[[ReleaseFacts, Params], object]] = frozenset(
    {
        _side_not_yet_approved,
        _start_percentage,
        _percentage_rises,
        _ramp_moving,
        _not_halted,
        _not_paused,
        _paused_or_halted,
        _after_approval,
        _after_percentage,
    }
)


# The table ------------------------------------------------------------------------------

S, A = Status, Action
_CANCEL_FROM = (
    S.BUILDING,
    S.BUILD_FAILED,
    S.AWAITING_TEST,
    S.TESTING,
    S.TESTED,
    S.REJECTED,
    S.APPROVED,
    S.PILOT,
    S.GRAYSCALE,
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.BUILDING, A.BUILD_SUCCEEDED, S.AWAITING_TEST),
    Transition(S.BUILDING, A.BUILD_FAILED, S.BUILD_FAILED),
    Transition(S.BUILD_FAILED, A.CONFIGURE, S.BUILDING),
    Transition(S.AWAITING_TEST, A.TEST, S.TESTING),
    Transition(S.AWAITING_TEST, A.CONFIGURE, S.BUILDING),
    Transition(S.TESTING, A.TEST_FINISHED, S.TESTED),
    Transition(S.TESTED, A.TEST, S.TESTING),
    Transition(S.TESTED, A.CONFIGURE, S.BUILDING),
    Transition(S.TESTED, A.APPLY, S.IN_REVIEW, (_compat_done, _no_other_active)),
    Transition(S.IN_REVIEW, A.APPROVE, _after_approval, (_side_not_yet_approved,)),
    Transition(S.IN_REVIEW, A.REJECT, S.REJECTED),
    Transition(S.IN_REVIEW, A.WITHDRAW, S.TESTED),
    Transition(S.REJECTED, A.APPLY, S.IN_REVIEW, (_compat_done, _no_other_active)),
    Transition(S.REJECTED, A.CONFIGURE, S.BUILDING),
    Transition(S.APPROVED, A.PILOT, S.PILOT),
    Transition(
        S.APPROVED, A.GRAYSCALE, _after_percentage, (_online_version_exists, _start_percentage)
    ),
    Transition(S.APPROVED, A.FULL_RELEASE, S.RELEASED),
    Transition(S.PILOT, A.UPDATE_TESTERS, S.PILOT),
    Transition(S.PILOT, A.COMPLETE_PILOT, S.APPROVED),
    Transition(S.GRAYSCALE, A.GRAYSCALE, _after_percentage, (_ramp_moving, _percentage_rises)),
    Transition(S.GRAYSCALE, A.PAUSE, S.GRAYSCALE, (_not_halted, _not_paused)),
    Transition(S.GRAYSCALE, A.HALT, S.GRAYSCALE, (_not_halted,)),
    Transition(S.GRAYSCALE, A.RESUME, S.GRAYSCALE, (_paused_or_halted,)),
    Transition(S.GRAYSCALE, A.FULL_RELEASE, S.RELEASED, (_not_halted,)),
    # A halted grayscale is never pushed to everyone by the clock: a person decides.
    Transition(S.GRAYSCALE, A.COMPLETE_AT_DEADLINE, S.RELEASED, (_not_halted,)),
    Transition(S.RELEASED, A.ARCHIVE, S.ARCHIVED),
    Transition(S.RELEASED, A.ROLL_BACK, S.ROLLED_BACK),
    *(Transition(source, A.CANCEL, S.CANCELED) for source in _CANCEL_FROM),
)

_BY_KEY: dict[tuple[Status, Action], Transition] = {(t.source, t.action): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one transition per (status, action)"


# Taken only by the platform itself (job outcomes, the deadline, superseding a release):
# never something a caller may do, so never offered to one.
SYSTEM_ACTIONS = frozenset(
    {A.BUILD_SUCCEEDED, A.BUILD_FAILED, A.TEST_FINISHED, A.COMPLETE_AT_DEADLINE, A.ARCHIVE}
)


def allowed_actions(status: Status) -> list[Action]:
    return [t.action for t in TRANSITIONS if t.source == status]


def caller_actions(status: Status) -> list[Action]:
    """The actions a caller may ask for from ``status`` (guards aside)."""
    return [action for action in allowed_actions(status) if action not in SYSTEM_ACTIONS]


def needs_context(status: Status, action: Action) -> bool:
    """Whether deciding ``action`` from ``status`` may read facts beyond the release row
    (its listing, compatibility runs, partner app, sibling releases): False for pause,
    resume, halt and the like, whose facts are then read from the row alone."""
    transition = _BY_KEY.get((status, action))
    if transition is None:
        return False  # refused whatever the facts
    parts: list[Callable[[ReleaseFacts, Params], object]] = list(transition.guards)
    if not isinstance(transition.target, Status):
        parts.append(transition.target)
    return any(part not in _ROW_ONLY for part in parts)


def decide(facts: ReleaseFacts, action: Action, params: Params | None = None) -> Status:
    """The status ``action`` leads to from ``facts``, or ``InvalidTransition`` saying why not."""
    params = params or Params()
    transition = _BY_KEY.get((facts.status, action))
    if transition is None:
        raise InvalidTransition(
            facts.status.value,
            action.value,
            f"cannot {action.value} a release that is {facts.status.value.replace('_', ' ')}",
        )
    for guard in transition.guards:
        refused = guard(facts, params)
        if isinstance(refused, Refusal):
            raise InvalidTransition(
                facts.status.value, action.value, refused.detail, reason=refused.reason
            )
        if refused is not None:
            raise InvalidTransition(facts.status.value, action.value, refused)
    target = transition.target
    return target if isinstance(target, Status) else target(facts, params)
