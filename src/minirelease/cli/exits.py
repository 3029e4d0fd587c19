"""The client commands' exit codes and the one error they raise.

Documented in the README: CI scripts branch on them, so they never change meaning."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    # The server refused (a 4xx problem other than authentication) or a check failed
    # (a compatibility report at or above ``--fail-on``).
    FAILED = 1
    # The command line itself was wrong (Click's own usage errors exit 2 too).
    USAGE = 2
    # The server could not be reached, or did not accept the credentials.
    UNREACHABLE_OR_AUTH = 3


class CliError(Exception):
    """A failure to report as one line and an exit code. ``code`` is the server's problem
    code when there is one (stable, for scripts), else one of the client's own."""

    def __init__(
        self, detail: str, *, code: str, exit_code: Exit = Exit.FAILED, status: int | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.exit_code = exit_code
        self.status = status

    def as_json(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "detail": self.detail,
                "status": self.status,
                "exit_code": int(self.exit_code),
            }
        }
