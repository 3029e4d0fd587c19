"""Which package a user gets at launch (design §6), decided from a snapshot of one
mini program's rollout on one partner app. The rule itself is the resolver SDK's
(``minirelease.resolver.decide``), so the launch endpoint and a partner app resolving from
the signed manifest give the same answers; this module feeds it the server's rollout and
turns its refusals into domain errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from minirelease.errors import NotReleased, Removed
from minirelease.resolver import errors as sdk_errors
from minirelease.resolver.decide import AppRollout, Channel, decide, tester_digest

__all__ = ["Channel", "Decision", "Package", "PairRollout", "resolve"]


@dataclass(frozen=True)
class Package:
    release_id: str
    version: str
    sha256: str
    size: int
    signature: str
    key_id: str = ""  # which platform key made ``signature``


@dataclass(frozen=True)
class Decision:
    channel: Channel
    package: Package


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

    @cached_property
    def decider(self) -> AppRollout[Decision]:
        """This rollout compiled for the shared rule, once per snapshot. Testers are salted
        with the release id and hashed, exactly as the manifest publishes them."""
        online = None if self.online is None else Decision(Channel.ONLINE, self.online)
        candidate = self.candidate
        if self.removed or candidate is None:
            return AppRollout(removed=self.removed, online=online)
        return AppRollout(
            online=online,
            candidate_release_id=candidate.release_id,
            pilot=Decision(Channel.PILOT, candidate),
            grayscale=Decision(Channel.GRAYSCALE, candidate),
            state=self.candidate_status,
            basis_points=self.basis_points,
            halted=self.halted,
            tester_salt=candidate.release_id,
            tester_digests={tester_digest(candidate.release_id, t) for t in self.testers},
        )


def resolve(rollout: PairRollout, user_id: str | None) -> Decision:
    """Raises ``Removed`` or ``NotReleased`` (minirelease.errors)."""
    try:
        return decide(rollout.decider, user_id)
    except sdk_errors.Removed as exc:
        raise Removed(exc.detail) from None
    except sdk_errors.NotReleased as exc:
        raise NotReleased(exc.detail) from None
