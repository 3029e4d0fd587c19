"""The kinds of values settings take (config.py), each with what it must be, for the
error that names the variable: positive numbers, ports, flags, URLs, rate limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from annotated_types import Ge, Gt, Le
from pydantic import AfterValidator, AllowInfNan

from minirelease.ratelimits.policy import parse_limits
from minirelease.ratelimits.storage import STORES as LIMIT_STORES


@dataclass(frozen=True)
class Expect:
    """What a value of this type must be, for the error message naming the variable."""

    text: str


def one_of(options: tuple[str, ...] | Mapping[str, Any]) -> AfterValidator:
    allowed = tuple(options)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return AfterValidator(check)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    return value


def valid_storage_url(value: str) -> str:
    # Imported here: the storage factory imports this module for the Settings type.
    from minirelease.storage.factory import parse_storage_url

    parse_storage_url(value)  # its StorageConfigError (a ValueError) names the variable
    return value


def _limits(value: str) -> str:
    try:
        parse_limits(value)
    except ValueError:
        raise ValueError("must be limits such as 30/minute or 10/hour;50/day") from None
    return value


def valid_limit_store(value: str) -> str:
    if not value.startswith(LIMIT_STORES):
        raise ValueError(f"must start with {', '.join(LIMIT_STORES)}")
    return value


PositiveInt = Annotated[int, Gt(0), Expect("a positive integer")]
PositiveNumber = Annotated[float, Gt(0), AllowInfNan(False), Expect("a positive number")]
NonNegativeNumber = Annotated[float, Ge(0), AllowInfNan(False), Expect("a number, 0 or more")]
Port = Annotated[int, Ge(1), Le(65535), Expect("a port number (1 to 65535)")]
Flag = Annotated[bool, Expect("a boolean (1, true, yes or 0, false, no)")]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
RateLimits = Annotated[
    str, AfterValidator(_limits), Expect('limits such as "30/minute" or "10/hour;50/day"')
]
