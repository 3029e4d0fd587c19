"""Launch answers encoded once per package: the same bytes JSONResponse would write,
kept across rollout snapshots for packages that did not change, a new answer for any
change in what it holds, and a bounded table whatever Host headers arrive."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from starlette.responses import JSONResponse

from minirelease.api import launch_bodies
from minirelease.api.launch_bodies import LaunchBodies
from minirelease.rollout.resolve import Channel, Decision, Package

PACKAGE = Package(release_id="rel_1", version="1.1.0", sha256="ab" * 32, size=10, signature="c2ln")
DECISION = Decision(Channel.GRAYSCALE, PACKAGE)


def _body(bodies: LaunchBodies, base_url: str = "http://h", decision: Decision = DECISION) -> bytes:
    return bodies.body(
        partner_app="wallet",
        app_id="2021",
        decision=decision,
        base_url=base_url,
        packages_path="/api/v1/packages/",
    )


def test_the_body_is_what_json_response_writes() -> None:
    body = _body(LaunchBodies(), "http://例え.jp")
    answer = json.loads(body)
    assert body == JSONResponse(answer).body
    assert answer["channel"] == "grayscale" and answer["release_id"] == "rel_1"
    assert answer["package"]["url"] == f"http://例え.jp/api/v1/packages/{'ab' * 32}"


def test_an_answer_is_encoded_once_and_any_change_in_what_it_holds_is_a_new_one() -> None:
    bodies = LaunchBodies()
    first = _body(bodies)
    # An equal package (as a new snapshot of an untouched pair holds): the same bytes.
    assert _body(bodies, decision=Decision(Channel.GRAYSCALE, replace(PACKAGE))) is first
    changes = {
        "channel": Decision(Channel.ONLINE, PACKAGE),
        "release": Decision(Channel.GRAYSCALE, replace(PACKAGE, release_id="rel_2")),
        "signature": Decision(Channel.GRAYSCALE, replace(PACKAGE, signature="b3RoZXI=")),
        "key": Decision(Channel.GRAYSCALE, replace(PACKAGE, key_id="k2")),
    }
    for name, decision in changes.items():
        changed = json.loads(_body(bodies, decision=decision))
        assert changed != json.loads(first), name


def test_many_hosts_never_grow_the_table_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch_bodies, "MAX_ENTRIES", 10)
    bodies = LaunchBodies()
    for n in range(35):
        _body(bodies, f"http://host-{n}")
        assert len(bodies) <= 10
