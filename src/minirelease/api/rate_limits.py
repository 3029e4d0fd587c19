"""Rate limits where requests come in (ratelimits/ counts): who the client is, counting a
request from a route of the API or the console, and turning a failed authentication
into a 429 once a client has failed too often."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from minirelease.errors import NotFound, RateLimited
from minirelease.ratelimits import Limiter, LimitName


def client_address(request: Request) -> str:
    """The client's address; behind a trusted proxy uvicorn has already taken it from
    ``X-Forwarded-For`` (``FORWARDED_ALLOW_IPS``)."""
    return request.client.host if request.client is not None else "unknown"


def limiter(request: Request) -> Limiter:
    found: Limiter = request.app.state.limiter
    return found


def count(request: Request, name: LimitName, account: str | None = None) -> None:
    """Count the request (blocking I/O: from a thread); ``RateLimited`` once spent."""
    limiter(request).hit(name, client=client_address(request), account=account)


def presented_credentials(request: Request) -> bool:
    """A bearer token or partner key was sent: a 401 then means it matched nothing,
    which is what failed-authentication limits count (not a missing header)."""
    return bool(request.headers.get("authorization"))


def failed_authentication(request: Request) -> RateLimited | None:
    """Count a failed authentication; the refusal to answer instead of the 401 once the
    client's limit is spent. Only the failures count, so a valid token is never slowed
    down by a check (tokens and keys are too long to guess; passwords are limited before
    they are checked, accounts/signin.py)."""
    try:
        count(request, LimitName.FAILED_AUTH)
    except RateLimited as refused:
        return refused
    return None


@contextmanager
def guarding_guesses(request: Request, name: LimitName, account: str | None) -> Iterator[None]:
    """Around looking up a secret the caller sent (an invitation token): ``NotFound``
    is a wrong guess, counted per client and per account."""
    with limiter(request).guarding(
        name, client=client_address(request), account=account, failures=(NotFound,)
    ):
        yield
