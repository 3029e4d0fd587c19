"""The hot release routes stay cheap (issue 11): a pause or a resume and a release read
cost a fixed, small number of SQL statements, not one more per thing they look at.

A transition by a developer of the mini program: the token with its user and partner
apps (1), the release locked with its mini program and partner app (1), the caller's
membership and assignment (2), the versioned UPDATE (1), the ramp plan kept in step (1),
the audit event (1) and, at commit, its link in the audit chain (the chain head locked,
the event's seq and hashes, the head moved: 3; audit_chain.py), the webhook endpoints it
may go to (1), and for the response the compatibility run and the ramp plan (2). Pause
and resume read no other row for their guards (state.needs_context). A read: the same
but the UPDATE, ramp step, audit event and chain, and webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, event

from tests.factories import Factory
from tests.releases.flow import grayscale, released, scenario

_DATA = ("SELECT", "INSERT", "UPDATE", "DELETE")  # not the tests' SAVEPOINTs


@contextmanager
def _statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(_DATA):
            seen.append(" ".join(statement.split())[:120])

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def test_pause_resume_and_read_cost_a_fixed_number_of_statements(
    client: TestClient, factory: Factory, connection: Connection
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 5)
    for action in ("pause", "resume", "pause"):
        with _statements(connection) as seen:
            s.ok("POST", f"/releases/{release_id}/{action}")
        assert len(seen) == 13, "\n".join(seen)
    with _statements(connection) as seen:
        assert s.ok("GET", f"/releases/{release_id}")["paused"] is True
    assert len(seen) == 6, "\n".join(seen)
