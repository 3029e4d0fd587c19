"""Server parity (issue 5, item 3): real rollouts driven through the API, and at every step
the SDK, resolving from the manifest served at GET /partner-apps/{code}/manifest, gives
each user exactly what GET /launch/{code}/{app_id} gives them: testers, other users, no or
an empty user id, unicode ids, and a mini program that is not listed."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.resolver import Decision, NotReleased, Removed, Resolver, bucket
from tests.factories import Factory
from tests.releases.flow import API, Scenario, problem, released, scenario

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "bucketing.json"
BASE_URL = "http://testserver"
TESTERS = ["qa", "张三", "tester-🙂"]
UNLISTED = "9999999999999999"


def _users() -> list[str | None]:
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    # Blank, accented, emoji, the separator itself, long, an email, fullwidth digits.
    odd = ["", " ", "ü", "🙂emoji", "a:b", "x" * 300, "user@example.com", "\uff12\uff10\uff18"]
    rng = random.Random(5)
    vector_ids = rng.sample(sorted({c["user_id"] for c in cases}), 60)
    generated = [f"user-{n}" for n in range(100)] + [f"{rng.getrandbits(60):x}" for _ in range(30)]
    return [None, *TESTERS, *odd, *vector_ids, *generated]


USERS = _users()


def _same_partner(s: Scenario, factory: Factory) -> Scenario:
    """Another team's mini program on the same partner app."""
    workspace, owner = factory.workspace()
    mp = factory.mini_program(workspace, owner, server_domains=["api.example.com"])
    developer = factory.member(workspace, "developer", mini_programs=(mp,))
    fields = {"owner": owner, "developer": developer, "mini_program_id": mp.id, "app_id": mp.app_id}
    return Scenario(**{**s.__dict__, **fields})


def _server(s: Scenario, app_id: str, user: str | None) -> dict[str, Any] | str:
    params = {} if user is None else {"user_id": user}
    response = s.client.get(f"{API}/launch/{s.partner}/{app_id}", params=params)
    if response.status_code != 200:
        code = "removed" if response.status_code == 410 else "not_released"
        return str(problem(response, response.status_code, code)["code"])
    body: dict[str, Any] = response.json()
    return body


def _local(resolver: Resolver, app_id: str, user: str | None) -> dict[str, Any] | str:
    try:
        decision: Decision = resolver.resolve(app_id, user)
    except (NotReleased, Removed) as refused:
        return refused.code
    return {
        "app_id": app_id,
        "partner_app": resolver.partner_app,
        "version": decision.version,
        "channel": decision.channel.value,
        "release_id": decision.release_id,
        "package": {
            "url": decision.package.url,
            "sha256": decision.package.sha256,
            "size": decision.package.size,
            "signature": decision.package.signature,
            "key_id": decision.package.key_id,
        },
    }


class Parity:
    """Fetches the manifest at each step, checks that its serial went up, and compares."""

    def __init__(self, client: TestClient, partner: str) -> None:
        self.client = client
        self.partner = partner
        self.key = client.get(f"{API}/signing-key").json()
        self.serial = -1

    def resolver(self, *, changed: bool) -> Resolver:
        response = self.client.get(f"{API}/partner-apps/{self.partner}/manifest")
        assert response.status_code == 200, response.text
        resolver = Resolver.from_envelope(
            response.content,
            self.key["public_key"],
            partner_app=self.partner,
            min_serial=self.serial,
            base_url=BASE_URL,
        )
        # A change that can alter an answer gives a new serial; a pause changes none.
        assert resolver.serial > self.serial if changed else resolver.serial >= self.serial
        self.serial = resolver.serial
        return resolver

    def check(self, *pairs: Scenario, changed: bool = True) -> dict[str, list[str]]:
        """Every user's answer for every pair (and an unlisted app) is the server's. Returns
        per app id the channels seen, in user order."""
        resolver = self.resolver(changed=changed)
        seen: dict[str, list[str]] = {}
        for app_id in [*(p.app_id for p in pairs), UNLISTED]:
            for user in USERS:
                server = _server(pairs[0], app_id, user)
                assert _local(resolver, app_id, user) == server, (app_id, user)
                seen.setdefault(app_id, []).append(
                    server if isinstance(server, str) else server["channel"]
                )
        return seen


@pytest.mark.slow
def test_the_sdk_answers_as_the_server_through_a_whole_rollout(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    other = _same_partner(s, factory)
    parity = Parity(client, s.partner)
    assert set(parity.check(s, other)[s.app_id]) == {"not_released"}

    first = released(s, "1.0.0")
    other.upload("0.1.0")
    first_pilot = other.approved("0.1.0")
    other.ok("POST", f"/releases/{first_pilot}/pilot", json={"tester_user_ids": TESTERS})
    seen = parity.check(s, other)
    assert set(seen[s.app_id]) == {"online"}
    assert seen[other.app_id][1:4] == ["pilot"] * 3  # the testers; nothing online for others
    assert seen[other.app_id].count("not_released") == len(USERS) - 3

    s.upload("1.1.0")
    candidate = s.approved("1.1.0")
    s.ok("POST", f"/releases/{candidate}/pilot", json={"tester_user_ids": TESTERS})
    assert parity.check(s, other)[s.app_id].count("pilot") == 3

    s.ok("POST", f"/releases/{candidate}/pilot/complete")
    s.ok("POST", f"/releases/{candidate}/grayscale", json={"percentage": 5})
    s.ok("POST", f"/releases/{candidate}/grayscale", json={"percentage": 37.5})
    seen = parity.check(s, other)
    inside = sum(1 for u in USERS if u and u not in TESTERS and bucket(candidate, u) < 3750)
    assert seen[s.app_id].count("grayscale") == inside > 0
    assert seen[s.app_id].count("pilot") == 3

    s.ok("POST", f"/releases/{candidate}/pause")  # freezes the ramp; users keep their version
    assert parity.check(s, other, changed=False)[s.app_id].count("grayscale") == inside

    # Halted: nobody gets the new version, the testers neither, on both sides.
    s.ok("POST", f"/releases/{candidate}/halt")
    assert set(parity.check(s, other)[s.app_id]) == {"online"}

    s.ok("POST", f"/releases/{candidate}/resume")
    assert parity.check(s, other)[s.app_id].count("grayscale") == inside

    s.ok("POST", f"/releases/{candidate}/full-release")
    other.ok("POST", f"/releases/{first_pilot}/pilot/complete")
    other.ok("POST", f"/releases/{first_pilot}/full-release")
    seen = parity.check(s, other)
    assert set(seen[s.app_id]) == set(seen[other.app_id]) == {"online"}
    for pair, online in ((s, candidate), (other, first_pilot)):
        assert _server(pair, pair.app_id, "qa") == _server(pair, pair.app_id, "anyone")
        answer = _server(pair, pair.app_id, "qa")
        assert isinstance(answer, dict) and answer["release_id"] == online != first

    s.ok(
        "POST",
        f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}/force-removal",
        s.admin,
    )
    seen = parity.check(s, other)
    assert set(seen[s.app_id]) == {"removed"}
    assert set(seen[other.app_id]) == {"online"}
