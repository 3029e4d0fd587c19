"""Which package a user gets at launch (design §6), decided from a snapshot of one
mini program's rollout on one partner app. Pure: the same function serves the launch
endpoint and any local resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from minirelease.errors import NotReleased, Removed
from minirelease.rollout.bucketing import in_grayscale


class Channel(StrEnum):
    ONLINE = "online"
    GRAYSCALE = "grayscale"
    PILOT = "pilot"


@dataclass(frozen=True)
class Package:
    release_id: str
    version: str
    sha256: str
    size: int
    signature: str


@dataclass(frozen=True)
class PairRollout:
    """What is online, and the release under pilot or grayscale, if any."""

    removed: bool = False
    online: Package | None = None
    candidate: Package | None = None
    candidate_status: str | None = None  # "pilot" | "grayscale"
    basis_points: int = 0
    halted: bool = False
    testers: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    channel: Channel
    package: Package


def resolve(rollout: PairRollout, user_id: str | None) -> Decision:
    if rollout.removed:
        raise Removed("this mini program was removed from this partner app")
    candidate = rollout.candidate
    if candidate is not None and user_id:
        # Pilot testers always get the version under pilot or grayscale.
        if user_id in rollout.testers:
            return Decision(Channel.PILOT, candidate)
        if (
            rollout.candidate_status == "grayscale"
            and not rollout.halted
            and in_grayscale(candidate.release_id, user_id, rollout.basis_points)
        ):
            return Decision(Channel.GRAYSCALE, candidate)
    if rollout.online is None:
        raise NotReleased("no version of this mini program is released for this user")
    return Decision(Channel.ONLINE, rollout.online)
