"""What the release page's rollout section offers: the review decisions, Pilot, the
Grayscale percentages, and the Pause, Resume, Halt, Full Release and Cancel buttons.

Whether an action is offered is asked of the state machine (``decide`` on the release's
facts, releases/state.py): an action it refuses is not shown, a percentage it refuses is
shown disabled with the state machine's own reason. Nothing here restates a rule."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, granted
from minirelease.errors import InvalidTransition
from minirelease.miniprograms.models import MiniProgram
from minirelease.releases.access import release_roles
from minirelease.releases.facts import facts_for
from minirelease.releases.models import Release
from minirelease.releases.state import FULL, Action, Params, ReleaseFacts, caller_actions, decide
from minirelease.rollout.bucketing import basis_points

# The percentages offered as buttons; any other one is typed in.
OFFERED_PERCENTAGES = ("1", "5", "10", "20", "50")


@dataclass(frozen=True)
class Review:
    side: str  # platform | partner
    label: str
    decision: str | None  # approve | reject | None: waiting
    comment: str


@dataclass(frozen=True)
class Offer:
    """A grayscale percentage button; ``reason`` says why it is disabled."""

    value: str
    reason: str | None


@dataclass(frozen=True)
class Control:
    action: str  # the form's path under /releases/{id}/
    label: str
    confirm: str | None  # the data-confirm message of a dangerous one
    css: str = ""


@dataclass(frozen=True)
class Pilot:
    start: bool  # a pilot may start ("Pilot")
    update: bool  # a running pilot's testers may be replaced
    complete: bool
    testers_text: str  # the textarea's content: the running pilot's, or the program's


@dataclass(frozen=True)
class Grayscale:
    offers: tuple[Offer, ...]
    # Why no percentage can be set now (every offer refused alike), or None.
    refused: str | None
    # A plan may be given: the grayscale has not started and may start.
    plan: bool


# The plain actions of the grayscale's controls, in the order shown.
_CONTROLS: tuple[tuple[Action, str, str, str | None, str], ...] = (
    (Action.PAUSE, "pause", "Pause", None, ""),
    (Action.RESUME, "resume", "Resume", None, ""),
    (
        Action.HALT,
        "halt",
        "Halt",
        "Halt the grayscale? Nobody is served the new version until it is resumed.",
        "danger",
    ),
    (
        Action.FULL_RELEASE,
        "full-release",
        "Full Release",
        "Release this version to everyone now?",
        "danger",
    ),
    (
        Action.CANCEL,
        "cancel",
        "Cancel",
        "Cancel this release? Everyone goes back to (or stays on) the online version; this"
        " cannot be undone.",
        "danger",
    ),
)


def refusal(facts: ReleaseFacts, action: Action, params: Params | None = None) -> str | None:
    """Why the state machine refuses ``action`` now, or None when it allows it."""
    try:
        decide(facts, action, params)
    except InvalidTransition as refused:
        return refused.detail
    return None


def reviews(release: Release, partner_code: str) -> list[Review]:
    return [
        Review("platform", "Platform", release.platform_decision, release.platform_comment or ""),
        Review(
            "partner",
            f"Partner app {partner_code}".strip(),
            release.partner_decision,
            release.partner_comment or "",
        ),
    ]


def can_manage(session: Session, viewer: Principal, release: Release) -> bool:
    mini_program = session.get(MiniProgram, release.mini_program_id)
    if mini_program is None:
        return False
    roles = release_roles(session, viewer, release, mini_program)
    return Permission.RELEASE_MANAGE in granted(roles)


def _pilot(facts: ReleaseFacts, release: Release, program_testers: list[str]) -> Pilot | None:
    start = refusal(facts, Action.PILOT) is None
    update = refusal(facts, Action.UPDATE_TESTERS) is None
    complete = refusal(facts, Action.COMPLETE_PILOT) is None
    if not (start or update or complete):
        return None
    testers = release.pilot_tester_ids if update else program_testers
    return Pilot(start, update, complete, "\n".join(str(t) for t in testers))


def _grayscale(facts: ReleaseFacts, release: Release) -> Grayscale | None:
    if Action.GRAYSCALE not in caller_actions(facts.status):
        return None
    offers = tuple(
        Offer(value, refusal(facts, Action.GRAYSCALE, Params(basis_points=basis_points(value))))
        for value in OFFERED_PERCENTAGES
    )
    # Refused even at 100 %: nothing may be set now (paused, halted, nothing online …),
    # said once for the whole form.
    refused = refusal(facts, Action.GRAYSCALE, Params(basis_points=FULL))
    plan = release.grayscale_started_at is None and refused is None
    return Grayscale(offers, refused, plan)


@dataclass(frozen=True)
class Offered:
    pilot: Pilot | None
    grayscale: Grayscale | None
    controls: tuple[Control, ...]


def offered(session: Session, release: Release, program_testers: list[str]) -> Offered:
    """What a person who may manage the release is offered in its current state."""
    facts = facts_for(session, release)
    controls = tuple(
        Control(path, label, confirm, css)
        for action, path, label, confirm, css in _CONTROLS
        if refusal(facts, action) is None
    )
    return Offered(_pilot(facts, release, program_testers), _grayscale(facts, release), controls)
