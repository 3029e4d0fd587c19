"""What is limited, and how much: per client (its address) and per account, in the
``limits`` library's notation ("30/minute", "10 per hour;100 per day")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from limits import RateLimitItem, parse_many


class LimitName(StrEnum):
    FAILED_AUTH = "failed_auth"  # a bearer token or partner key that matched nothing
    INVITATION_GUESS = "invitation_guess"  # an invitation token that matched nothing
    UPLOAD = "upload"  # a version's source sent
    COMPAT_RUN = "compat_run"  # a compatibility run started


# How a refusal names what was spent: "too many uploads from this client".
LABELS: Mapping[LimitName, str] = {
    LimitName.FAILED_AUTH: "failed authentications",
    LimitName.INVITATION_GUESS: "unknown invitation tokens",
    LimitName.UPLOAD: "uploads",
    LimitName.COMPAT_RUN: "compatibility runs",
}


def parse_limits(text: str) -> tuple[RateLimitItem, ...]:
    """ValueError when the text is not the library's notation."""
    items = tuple(parse_many(text))
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(f"no usable limit in {text!r}")
    return items


@dataclass(frozen=True)
class RateLimitPolicy:
    """The limits of each name; a name missing from a side has no limit there."""

    per_client: Mapping[LimitName, tuple[RateLimitItem, ...]] = field(default_factory=dict)
    per_account: Mapping[LimitName, tuple[RateLimitItem, ...]] = field(default_factory=dict)
