"""Which package a user gets at launch (design §6): the rule, shared by the server's
launch endpoint and by partner apps resolving from a signed manifest.

- removed → ``Removed``;
- a candidate (a release under pilot or grayscale) that is not halted, and a user id:
  a pilot tester gets it (channel ``pilot``), and so, during a grayscale, does a user whose
  bucket is below the basis points (channel ``grayscale``);
- everyone else gets the online version, or ``NotReleased`` when nothing is online.

A halted candidate serves nobody, testers included, until a person resumes or cancels it.

``AppRollout`` is one mini program's rollout compiled once (at manifest load, or when the
server's snapshot changes) so that one decision costs a UTF-8 encoding, one murmur3 call
and a compare, plus one SHA-256 while there are testers. It returns prebuilt answers of
the caller's choosing: the SDK's ``Decision``, the server's own."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256
from typing import Final, Generic, TypeVar

from .bucketing import BUCKETS, key_hash
from .errors import NotReleased, Removed

REMOVED_DETAIL: Final = "this mini program was removed from this partner app"
NOT_RELEASED_DETAIL: Final = "no version of this mini program is released for this user"

Answer = TypeVar("Answer")


class Channel(StrEnum):
    ONLINE = "online"
    GRAYSCALE = "grayscale"
    PILOT = "pilot"


@dataclass(frozen=True, slots=True)
class Package:
    url: str
    sha256: str
    size: int
    signature: str  # the build's Ed25519 signature of the package's manifest.json
    key_id: str | None = None  # the key that made it (None from a server before key ids)


@dataclass(frozen=True, slots=True)
class Decision:
    channel: Channel
    release_id: str
    version: str
    package: Package


def tester_digest(tester_salt: str, user_id: str) -> bytes:
    """How a pilot tester appears in a manifest (hex of it): no user id is published."""
    return sha256(f"{tester_salt}:{user_id}".encode()).digest()


class AppRollout(Generic[Answer]):
    """One mini program's rollout on one partner app, ready to decide."""

    __slots__ = (
        "_bucket_prefix",
        "_grayscale",
        "_live",
        "_online",
        "_pilot",
        "_points",
        "_removed",
        "_tester_prefix",
        "_testers",
    )

    def __init__(
        self,
        *,
        removed: bool = False,
        online: Answer | None = None,
        candidate_release_id: str | None = None,
        pilot: Answer | None = None,
        grayscale: Answer | None = None,
        state: str | None = None,
        basis_points: int = 0,
        halted: bool = False,
        tester_salt: str = "",
        tester_digests: Set[bytes] = frozenset(),
    ) -> None:
        """``pilot`` and ``grayscale`` are the answers for the candidate on those channels;
        ``state`` is the candidate's ("pilot" or "grayscale"): only a grayscale uses the
        basis points."""
        if candidate_release_id is not None and state not in ("pilot", "grayscale"):
            raise ValueError(f"a candidate's state is pilot or grayscale, not {state!r}")
        if not 0 <= basis_points <= BUCKETS:
            raise ValueError(f"basis points are 0 to {BUCKETS}, got {basis_points}")
        self._removed = removed
        self._online = online
        self._pilot = pilot
        self._grayscale = grayscale
        self._points = basis_points if state == "grayscale" else 0
        self._testers = frozenset(tester_digests)
        self._live = (
            candidate_release_id is not None
            and not halted
            and (self._points > 0 or bool(self._testers))
        )
        self._bucket_prefix = f"{candidate_release_id}:".encode()
        self._tester_prefix = f"{tester_salt}:".encode()

    def choose(self, user_id: str | None) -> Answer | None:
        """The answer for ``user_id``, or None when nothing is released to them. Raises
        ``Removed``. A missing or empty user id gets the online version."""
        if self._removed:
            raise Removed(REMOVED_DETAIL)
        if user_id and self._live:
            encoded = user_id.encode()
            if self._testers and (sha256(self._tester_prefix + encoded).digest() in self._testers):
                return self._pilot
            if key_hash(self._bucket_prefix + encoded) % BUCKETS < self._points:
                return self._grayscale
        return self._online


def decide(rollout: AppRollout[Answer], user_id: str | None) -> Answer:
    """The answer for ``user_id``. Raises ``Removed`` or ``NotReleased``."""
    answer = rollout.choose(user_id)
    if answer is None:
        raise NotReleased(NOT_RELEASED_DETAIL)
    return answer
