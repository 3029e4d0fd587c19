"""The JavaScript resolver (sdk/js) keeps up with signed manifest deltas and takes one mini
program's manifest (issue 15, items 2 and 3), as the Python SDK does: a chain of the
server's deltas applied in Node gives the full manifest of each serial and the answers of
GET /launch; a delta from another serial (a gap), changed after signing, of another partner
app or of the wrong size is refused, and never taken for a full manifest; a program's
manifest is taken only with that program's ``appId``, which takes nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.resolver import Resolver
from tests.factories import Factory
from tests.releases.flow import API, Scenario, grayscale, released, scenario
from tests.resolver import signed
from tests.resolver.node_sdk import MISSING, NodeSdk
from tests.resolver.test_js_sdk import (
    BASE_URL,
    TESTERS,
    _resolve,
    _served,
    _users,
    keys_of,
    launches,
)
from tests.resolver.test_parity_api import _local

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs Node.js to run sdk/js ({', '.join(MISSING)} not found)"
)

USERS = 2_000  # the testers, odd ids, the vectors' and generated ones


def _texts(bodies: list[bytes]) -> list[str]:
    return [body.decode() for body in bodies]


def _document(body: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(body)["manifest"]
    return document


def _since(s: Scenario, serial: int) -> bytes:
    response = s.client.get(f"{API}/partner-apps/{s.partner}/manifest", params={"since": serial})
    assert response.status_code == 200, response.text
    return response.content


class Chain:
    """The full manifest with 1.0.0 online, then after each step of a rollout of 1.1.0 the
    delta from the serial before it and the full manifest it leads to."""

    def __init__(self, s: Scenario) -> None:
        self.s = s
        released(s, "1.0.0")
        self.start, self.keys = _served(s)
        self.deltas: list[bytes] = []
        self.fulls: list[bytes] = []

    @property
    def serial(self) -> int:
        return int(_document(self.fulls[-1] if self.fulls else self.start)["serial"])

    def step(self, path: str | None = None, **kw: Any) -> None:
        """POST to ``path`` (or nothing), then take the delta and the full manifest."""
        if path is not None:
            self.s.ok("POST", path, **kw)
        delta = _since(self.s, self.serial)
        assert _document(delta)["kind"] == "delta"
        self.deltas.append(delta)
        self.fulls.append(_served(self.s)[0])
        assert _document(delta)["serial"] == _document(self.fulls[-1])["serial"]


@pytest.fixture
def chain(client: TestClient, factory: Factory) -> Chain:
    chain = Chain(scenario(client, factory))
    s = chain.s
    s.upload("1.1.0")
    candidate = s.approved("1.1.0")
    chain.step(f"/releases/{candidate}/pilot", json={"tester_user_ids": TESTERS})
    chain.step(f"/releases/{candidate}/pilot/complete")
    chain.step(f"/releases/{candidate}/grayscale", json={"percentage": 5})
    chain.step(f"/releases/{candidate}/halt")
    chain.step()  # since the current serial: an empty delta
    chain.step(f"/releases/{candidate}/resume")
    chain.step(f"/releases/{candidate}/grayscale", json={"percentage": 37.5})
    return chain


@pytest.mark.slow
def test_a_chain_of_deltas_gives_the_full_manifest_and_the_launch_answers(
    sdk: NodeSdk, chain: Chain
) -> None:
    s = chain.s
    assert _document(chain.deltas[4])["changes"] == {}
    assert all(set(_document(d)["changes"]) <= {s.app_id} for d in chain.deltas)
    for applied in range(len(chain.deltas) + 1):
        updates = _texts(chain.deltas[:applied])
        found = _resolve(sdk, s, chain.start, chain.keys, updates=updates)
        assert "error" not in found, found
        assert found["manifest"] == _document([chain.start, *chain.fulls][applied])

    users = _users()[:USERS]
    found = _resolve(sdk, s, chain.start, chain.keys, updates=_texts(chain.deltas), user_ids=users)
    python = Resolver.from_envelope(chain.start, keys_of(chain.keys), base_url=BASE_URL)
    for delta in chain.deltas:
        python = python.apply_delta(delta, keys_of(chain.keys))
    local = [_local(python, s.app_id, user) for user in users]
    assert found["answers"][s.app_id] == launches(s, users) == local
    channels = [answer["channel"] for answer in local if isinstance(answer, dict)]
    assert channels.count("pilot") == len(TESTERS)
    assert 0 < channels.count("grayscale") < USERS


@pytest.mark.slow
def test_a_gap_a_tampered_delta_and_a_delta_for_a_manifest_are_refused(
    sdk: NodeSdk, chain: Chain
) -> None:
    s, deltas = chain.s, _texts(chain.deltas)

    def refusal(body: str | bytes = chain.start, **options: Any) -> tuple[str, int] | None:
        found = _resolve(sdk, s, body, chain.keys, **options)
        return None if "error" not in found else (found["error"], found["applied"])

    assert refusal(updates=deltas[1:]) == ("delta_invalid", 0)  # starts after the serial held
    assert refusal(updates=[deltas[0], deltas[0]]) == ("delta_invalid", 1)  # starts before it
    tampered = json.loads(deltas[2])
    tampered["manifest"]["changes"][s.app_id]["candidate"]["basis_points"] = 10_000
    assert refusal(updates=[*deltas[:2], json.dumps(tampered)]) == ("signature_invalid", 2)
    assert refusal(updates=deltas, partner_app="another") == ("manifest_invalid", 0)
    # A delta is never taken for a full manifest.
    assert refusal(deltas[0]) == ("manifest_invalid", 0)
    assert "not a full manifest" in _resolve(sdk, s, deltas[0], chain.keys)["detail"]
    # The server answers ?since= with the full manifest when it cannot make a delta: taken,
    # unless it is older than the one held.
    assert refusal(updates=[*deltas[:3], chain.fulls[-1].decode()]) is None
    assert refusal(updates=[*deltas[:3], chain.fulls[0].decode()]) == ("manifest_stale", 3)


@pytest.mark.slow
def test_a_programs_manifest_is_taken_with_its_app_id_alone(
    sdk: NodeSdk, client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    grayscale(s, "1.1.0", 37.5)
    response = client.get(f"{API}/partner-apps/{s.partner}/mini-programs/{s.app_id}/manifest")
    assert response.status_code == 200, response.text
    program, (whole, keys) = response.content, _served(s)
    assert _document(program)["mini_program"] == s.app_id

    users = _users()[:200]
    found = _resolve(sdk, s, program, keys, app_id=s.app_id, user_ids=users)
    assert found["manifest"] == _document(program)
    assert found["answers"][s.app_id] == launches(s, users)
    another = "2099000000000001"
    assert _resolve(sdk, s, program, keys, app_id=s.app_id, app_ids=[another])["answers"] == {
        another: ["not_released", "not_released"]
    }

    def refusal(body: bytes, **options: Any) -> Any:
        return _resolve(sdk, s, body, keys, **options).get("error")

    assert refusal(program) == "manifest_invalid"  # a whole partner app's expected
    assert refusal(program, app_id=another) == "manifest_invalid"
    assert refusal(whole, app_id=s.app_id) == "manifest_invalid"
    # Kept up to date with the program's manifest, never with the partner app's deltas.
    delta = _since(s, _document(whole)["serial"]).decode()
    assert refusal(program, app_id=s.app_id, updates=[delta]) == "delta_invalid"
    assert refusal(program, app_id=s.app_id, updates=[program.decode()]) is None
    assert refusal(program, app_id=s.app_id, updates=[whole.decode()]) == "manifest_invalid"


# Deltas the server does not make, signed here: dropped entries, a wrong count, another
# partner app, a serial before since, another kind of document.
APP, OTHER = "2021000000000001", "2021000000000002"
SIGNER = signed.new_signer()
KEYS = json.dumps({"public_key": SIGNER.public_key_raw_b64()})
HELD = signed.manifest(
    {APP: signed.entry(signed.package("rel_1")), OTHER: signed.entry(signed.package("rel_2"))}
)


def _delta(**fields: Any) -> str:
    document = {
        "format": 1,
        "kind": "delta",
        "partner_app": "wallet",
        "since": HELD["serial"],
        "serial": HELD["serial"] + 2,
        "count": 1,
        "changes": {APP: signed.entry(signed.package("rel_3")), OTHER: None},
    }
    return signed.body(document | fields, SIGNER).decode()


def _applied(sdk: NodeSdk, *updates: str) -> Any:
    return sdk.run(
        {
            "op": "resolve",
            "envelope": signed.body(HELD, SIGNER).decode(),
            "keys": KEYS,
            "updates": list(updates),
            "app_ids": [APP, OTHER],
            "user_ids": ["someone"],
        }
    )


def test_a_signed_delta_replaces_and_drops_entries(sdk: NodeSdk) -> None:
    found = _applied(sdk, _delta())
    assert found["serial"] == HELD["serial"] + 2
    assert [answer["release_id"] for answer in found["answers"][APP]] == ["rel_3"]
    assert found["answers"][OTHER] == ["not_released"]
    assert list(found["manifest"]["mini_programs"]) == [APP]


@pytest.mark.parametrize("kind", ["delta", "snapshot", None])
def test_a_document_of_another_kind_is_not_a_full_manifest(sdk: NodeSdk, kind: str | None) -> None:
    """Even one shaped like a manifest, whether loaded or given as an update."""
    other = signed.body(HELD | {"kind": kind, "serial": HELD["serial"] + 1}, SIGNER).decode()
    request = {"op": "resolve", "keys": KEYS, "app_ids": [APP], "user_ids": []}
    found = sdk.run(request | {"envelope": other})
    assert (found["error"], found["detail"]) == (
        "manifest_invalid",
        f"a {json.dumps(kind)} document is not a full manifest",
    )
    assert _applied(sdk, other)["error"] == "manifest_invalid"
    manifest = signed.body(HELD | {"kind": "manifest"}, SIGNER).decode()
    assert sdk.run(request | {"envelope": manifest})["serial"] == HELD["serial"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"count": 2}, "delta_invalid"),
        ({"partner_app": "another"}, "delta_invalid"),
        ({"since": HELD["serial"] + 1}, "delta_invalid"),
        ({"serial": HELD["serial"] - 1}, "manifest_invalid"),
        ({"format": 2}, "manifest_invalid"),
        ({"changes": {APP: {"removed": "no"}}}, "manifest_invalid"),
        ({"kind": "snapshot"}, "manifest_invalid"),
    ],
    ids=["count", "partner app", "gap", "serial before since", "format", "entry", "kind"],
)
def test_a_signed_delta_that_does_not_apply_is_refused(
    sdk: NodeSdk, fields: dict[str, Any], code: str
) -> None:
    assert _applied(sdk, _delta(**fields))["error"] == code
