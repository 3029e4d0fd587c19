"""A change made through one server process reaches every other process on the same
database within 1 s (issue 5, item 1): two real ``minirelease serve`` processes; each
rollout step is taken through process A, and process B's launch answer and manifest must
both show it within a second of A's response, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
import pytest

from minirelease import migrate
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.rollout.bucketing import bucket
from tests.factories import Factory
from tests.releases.flow import API, Scenario, scenario
from tests.releases.live import ServerProcess, wait_until

PROPAGATION_LIMIT = 1.0  # seconds, from A's response to B's answers (issue 5)
JOB_TIMEOUT = 60  # a build or a compatibility run in a server process
TESTER = "pilot-tester-qa"


@dataclass
class Pair:
    """Process A (where changes are made) and process B (where they must show)."""

    a: Scenario
    b: httpx2.Client
    servers: list[ServerProcess]

    @property
    def app_id(self) -> str:
        return self.a.app_id

    def launch(self, user: str) -> Any:
        url = f"{API}/launch/{self.a.partner}/{self.app_id}"
        response = self.b.get(url, params={"user_id": user})
        body = response.json()
        if response.status_code != 200:
            return body["code"]
        return (body["channel"], body["release_id"])

    def entry(self) -> dict[str, Any]:
        response = self.b.get(f"{API}/partner-apps/{self.a.partner}/manifest")
        assert response.status_code == 200, response.text
        manifest: dict[str, Any] = json.loads(response.content)["manifest"]
        entry: dict[str, Any] = manifest["mini_programs"][self.app_id]
        return entry


@pytest.fixture
def pair(empty_database_url: str, tmp_path: Path) -> Iterator[Pair]:
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    data_dir = tmp_path / "data"
    factory = Factory(
        make_session_factory(engine), Settings(data_dir=data_dir, database_url=empty_database_url)
    )
    servers = [
        ServerProcess(empty_database_url, data_dir, tmp_path / f"server-{name}.log")
        for name in ("a", "b")
    ]
    clients: list[httpx2.Client] = []
    try:
        for server in servers:
            server.wait_ready()
            clients.append(httpx2.Client(base_url=server.base_url, timeout=30))
        a: Any = clients[0]  # the flow helpers are written for TestClient, an httpx2.Client too
        yield Pair(scenario(a, factory), clients[1], servers)
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
        engine.dispose()


def _approved(s: Scenario, version: str) -> str:
    """Upload, build, test, apply and approve through A; jobs run in either server."""
    s.upload(version)
    release_id = s.release(version)
    wait_until(lambda: s.status(release_id) == "awaiting_test", timeout=JOB_TIMEOUT, interval=0.1)
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    wait_until(lambda: s.status(release_id) == "tested", timeout=JOB_TIMEOUT, interval=0.1)
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    s.review(release_id, "platform", "approve")
    s.review(release_id, "partner", "approve")
    assert s.status(release_id) == "approved"
    return release_id


def _shows(
    p: Pair,
    change: Callable[[], object],
    launches: dict[str, Any],
    manifest: Callable[[dict[str, Any]], bool],
) -> float:
    """Make ``change`` through A, then wait until B answers ``launches`` (user → answer)
    and its manifest entry passes ``manifest``; how long that took after A's response."""
    change()
    changed = time.monotonic()

    def b_follows() -> bool:
        answers = {user: p.launch(user) for user in launches}
        return answers == launches and manifest(p.entry())

    try:
        wait_until(b_follows, timeout=5, interval=0.02)
    except AssertionError:
        pytest.fail(f"B never showed it; B answers {[p.launch(u) for u in launches]}, {p.entry()}")
    took = time.monotonic() - changed
    assert took < PROPAGATION_LIMIT, f"B showed the change after {took:.2f} s"
    return took


def _candidate(entry: dict[str, Any]) -> dict[str, Any]:
    return entry["candidate"] or {}


@pytest.mark.slow
def test_a_change_through_one_process_reaches_the_other_within_a_second(pair: Pair) -> None:
    s, took = pair.a, []
    first = _approved(s, "1.0.0")
    took.append(
        _shows(
            pair,
            lambda: s.ok("POST", f"/releases/{first}/full-release"),
            {"someone": ("online", first)},
            lambda e: (e["online"] or {}).get("release_id") == first,
        )
    )
    second = _approved(s, "1.1.0")
    took.append(
        _shows(
            pair,
            lambda: s.ok("POST", f"/releases/{second}/pilot", json={"tester_user_ids": [TESTER]}),
            {TESTER: ("pilot", second), "someone": ("online", first)},
            lambda e: _candidate(e).get("state") == "pilot" and len(_candidate(e)["testers"]) == 1,
        )
    )
    s.ok("POST", f"/releases/{second}/pilot/complete")
    took.append(
        _shows(
            pair,
            lambda: s.ok("POST", f"/releases/{second}/grayscale", json={"percentage": 1}),
            {TESTER: ("pilot", second)},  # pilot testers keep the version in grayscale
            lambda e: _candidate(e).get("basis_points") == 100,
        )
    )
    # A user outside the 1 % cohort and inside 60 %: the raise moves exactly them.
    user = next(u for u in (f"user-{n}" for n in range(1000)) if 100 <= bucket(second, u) < 6000)
    in_grayscale = {user: ("grayscale", second), TESTER: ("pilot", second)}
    steps: list[tuple[str, dict[str, Any], Any, Callable[[dict[str, Any]], bool]]] = [
        (
            "grayscale",
            {"percentage": 60},
            in_grayscale,
            lambda e: _candidate(e).get("basis_points") == 6000,
        ),
        # A halted grayscale serves nobody the new version, testers included.
        (
            "halt",
            {},
            {user: ("online", first), TESTER: ("online", first)},
            lambda e: _candidate(e).get("halted") is True,
        ),
        ("resume", {}, in_grayscale, lambda e: _candidate(e).get("halted") is False),
        (
            "full-release",
            {},
            {user: ("online", second), TESTER: ("online", second)},
            lambda e: e["candidate"] is None and e["online"]["release_id"] == second,
        ),
    ]
    for action, body, answers, manifest in steps:
        took.append(
            _shows(
                pair,
                partial(s.ok, "POST", f"/releases/{second}/{action}", json=body),
                answers,
                manifest,
            )
        )
    took.append(
        _shows(
            pair,
            lambda: s.ok(
                "POST",
                f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}/force-removal",
                s.admin,
            ),
            {user: "removed", "someone": "removed"},
            lambda e: e == {"removed": True, "online": None, "candidate": None},
        )
    )
    print(f"propagation to process B: max {max(took):.3f} s over {len(took)} changes")
