"""Domain errors. Each carries the stable ``code`` of design §7; the API maps them to HTTP
in one place (``api/errors.py``) so domain code never speaks HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code: str = "error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class ValidationFailed(DomainError):
    code = "validation_error"


class Conflict(DomainError):
    code = "conflict"


class InvalidTransition(DomainError):
    """``reason``, when given, is a stable code for why (e.g. ``compatibility_run_narrowed``)."""

    code = "invalid_transition"

    def __init__(
        self, state: str, event: str, detail: str | None = None, *, reason: str | None = None
    ) -> None:
        extra: dict[str, Any] = {"state": state, "event": event}
        if reason is not None:
            extra["reason"] = reason
        super().__init__(detail or f"cannot {event} while {state}", **extra)
        self.state = state
        self.event = event
        self.reason = reason


class PackageInvalid(DomainError):
    """A package broke a rule of design §4; ``rule`` names it, ``entry`` the offender."""

    code = "package_invalid"

    def __init__(self, rule: str, detail: str, entry: str | None = None) -> None:
        super().__init__(detail, rule=rule, entry=entry)
        self.rule = rule
        self.entry = entry


class RateLimited(DomainError):
    code = "rate_limited"


class NotReleased(DomainError):
    code = "not_released"


class Removed(DomainError):
    code = "removed"
