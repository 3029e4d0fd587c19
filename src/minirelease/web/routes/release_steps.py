"""The release page's step bar: the product guide's five steps, and which one a release
is at. Pure: one status in, the bar out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from minirelease.releases.state import Status

STEPS: Final = (
    "New Version Created",
    "Compatibility Testing",
    "Under Review",
    "Release Preparation",
    "Grayscale / Full Release",
)

# The step (an index into STEPS) each status is at; a canceled release is at none.
_STEP_OF: Final[dict[Status, int | None]] = {
    Status.BUILDING: 0,
    Status.BUILD_FAILED: 0,
    Status.AWAITING_TEST: 1,
    Status.TESTING: 1,
    Status.TESTED: 1,
    Status.IN_REVIEW: 2,
    Status.REJECTED: 2,
    Status.APPROVED: 3,
    Status.PILOT: 3,
    Status.GRAYSCALE: 4,
    Status.RELEASED: 4,
    Status.ARCHIVED: 4,
    Status.ROLLED_BACK: 4,
    Status.CANCELED: None,
}
# Statuses whose step is over, not under way: every step up to theirs is done.
_FINISHED: Final = frozenset({Status.RELEASED, Status.ARCHIVED, Status.ROLLED_BACK})

StepState = Literal["done", "current", "todo"]


@dataclass(frozen=True)
class Step:
    label: str
    state: StepState
    done: bool  # the step is behind the release (the current one too, once released)


def steps_for(status: Status | str) -> list[Step]:
    """The five steps with the current one marked ``current`` (none for a canceled
    release), those before it ``done`` and those after ``todo``."""
    status = Status(status)
    current = _STEP_OF[status]
    steps = []
    for index, label in enumerate(STEPS):
        if current is None or index > current:
            state: StepState = "todo"
        elif index < current:
            state = "done"
        else:
            state = "current"
        done = state == "done" or (state == "current" and status in _FINISHED)
        steps.append(Step(label, state, done))
    return steps
