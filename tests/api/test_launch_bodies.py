"""Launch answers encoded once per snapshot: the same bytes JSONResponse would write, a
fresh table for every new snapshot, and a bounded table whatever Host headers arrive."""

from __future__ import annotations

import json

import pytest
from starlette.responses import JSONResponse

from minirelease.api import launch_bodies
from minirelease.api.launch_bodies import LaunchBodies
from minirelease.rollout.resolve import Channel, Decision, Package

PACKAGE = Package(release_id="rel_1", version="1.1.0", sha256="ab" * 32, size=10, signature="c2ln")
DECISION = Decision(Channel.GRAYSCALE, PACKAGE)


def _body(bodies: LaunchBodies, snapshot: object, base_url: str = "http://h") -> bytes:
    return bodies.body(
        snapshot,
        partner_app="wallet",
        app_id="2021",
        decision=DECISION,
        base_url=base_url,
        packages_path="/api/v1/packages/",
    )


def test_the_body_is_what_json_response_writes() -> None:
    body = _body(LaunchBodies(), object(), "http://例え.jp")
    answer = json.loads(body)
    assert body == JSONResponse(answer).body
    assert answer["channel"] == "grayscale" and answer["release_id"] == "rel_1"
    assert answer["package"]["url"] == f"http://例え.jp/api/v1/packages/{'ab' * 32}"


def test_a_new_snapshot_starts_a_new_table() -> None:
    bodies, first, second = LaunchBodies(), object(), object()
    assert _body(bodies, first) is _body(bodies, first)  # encoded once
    assert _body(bodies, second) is not _body(bodies, first)


def test_many_hosts_never_grow_the_table_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch_bodies, "MAX_ENTRIES", 10)
    bodies, snapshot = LaunchBodies(), object()
    for n in range(35):
        _body(bodies, snapshot, f"http://host-{n}")
        assert len(bodies) <= 10
