"""A release's percentage over time, read back from its audit events
(releases/rollout_history.py), for the release page's chart."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.errors import NotFound
from minirelease.releases.rollout_history import percentage_history
from tests.factories import Actor, Factory
from tests.releases.flow import grayscale, released, scenario

Row = tuple[str, float, float, bool, bool]


def _history(factory: Factory, actor: Actor, release_id: str) -> list[Row]:
    with factory.session_factory() as session:
        user = session.get(User, actor.id)
        assert user is not None
        changes = percentage_history(session, principal_for(session, user), release_id=release_id)
        return [(c.action, c.before, c.after, c.paused, c.halted) for c in changes]


def test_every_rollout_change_with_its_percentages_and_flags(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 1)
    for path, body in (
        ("grayscale", {"percentage": 5}),
        ("pause", None),
        ("resume", None),
        ("halt", None),
        ("resume", None),
        ("full-release", None),
    ):
        s.ok("POST", f"/releases/{release_id}/{path}", json=body)
    assert _history(factory, s.developer, release_id) == [
        ("grayscale", 0, 1, False, False),
        ("grayscale", 1, 5, False, False),
        ("pause", 5, 5, True, False),
        ("resume", 5, 5, False, False),
        ("halt", 5, 5, False, True),
        ("resume", 5, 5, False, False),
        ("full_release", 5, 100, False, False),  # released: everyone
    ]
    # Reviewers read the release, so its history too; nobody else sees it.
    assert len(_history(factory, s.platform_reviewer, release_id)) == 7
    with pytest.raises(NotFound):
        _history(factory, factory.user(), release_id)


def test_a_cancel_takes_the_release_back_to_nobody(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    release_id = grayscale(s, "1.1.0", 20)
    s.ok("POST", f"/releases/{release_id}/cancel")
    assert _history(factory, s.owner, release_id)[-1] == ("cancel", 20, 0, False, False)
