"""The JavaScript resolver (sdk/js, issue 13 item 6), run by the system's Node: it buckets as
the shared vectors say, verifies the manifest the server signs (RFC 8785 through the
``canonicalize`` package, Node's own Ed25519) and refuses a tampered one, and gives 10,000
users at a 37.5 % grayscale exactly what GET /launch gives them."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from minirelease.resolver import Resolver
from minirelease.resolver.canonical import jcs_json
from tests.factories import Factory
from tests.releases.flow import API, Scenario, released, scenario
from tests.resolver import signed
from tests.resolver.node_sdk import MISSING, NodeSdk
from tests.resolver.test_parity_api import _local, _server

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs Node.js to run sdk/js ({', '.join(MISSING)} not found)"
)

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "bucketing.json"
BASE_URL = "http://testserver"
TESTERS = ["qa", "张三", "tester-🙂"]
USER_COUNT = 10_000


def test_it_buckets_every_shared_vector(sdk: NodeSdk) -> None:
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 500
    found = sdk.run({"op": "buckets", "cases": [[c["release_id"], c["user_id"]] for c in cases]})
    assert found["buckets"] == [c["bucket"] for c in cases]


def test_it_canonicalizes_as_the_server_signs(sdk: NodeSdk) -> None:
    """Where Python's sorted-keys JSON and JCS differ (keys ordered by code point or by
    UTF-16 code unit), the JavaScript package writes what the server's jcs_json writes."""
    values: list[Any] = [
        {"\ufb01": 1, "😀": 2, "a": 3, "é": 4},
        {"text": '\u2028\u007f\x00\x1f"\\/é😀', "n": -(2**53) + 1, "m": 2**53 - 1, "t": True},
        signed.manifest({"\uff12\uff10": signed.entry(signed.package("rel_x")), "2021": None}),
    ]
    found = sdk.run({"op": "canonicalize", "values": values})["texts"]
    assert [text.encode() for text in found] == [jcs_json(value) for value in values]
    assert jcs_json(values[0]) != json.dumps(values[0], sort_keys=True).encode()


def _rollout(client: TestClient, factory: Factory) -> tuple[Scenario, str]:
    """A mini program with 1.0.0 online and 1.1.0 at 37.5 % with three pilot testers."""
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.upload("1.1.0")
    candidate = s.approved("1.1.0")
    s.ok("POST", f"/releases/{candidate}/pilot", json={"tester_user_ids": TESTERS})
    s.ok("POST", f"/releases/{candidate}/pilot/complete")
    s.ok("POST", f"/releases/{candidate}/grayscale", json={"percentage": 37.5})
    return s, candidate


def _served(s: Scenario) -> tuple[bytes, str]:
    response = s.client.get(f"{API}/partner-apps/{s.partner}/manifest")
    assert response.status_code == 200, response.text
    keys = s.client.get(f"{API}/signing-key")
    assert keys.status_code == 200, keys.text
    return response.content, keys.text


def _resolve(sdk: NodeSdk, s: Scenario, body: bytes | str, keys: str, **options: Any) -> Any:
    text = body.decode() if isinstance(body, bytes) else body
    request = {
        "op": "resolve",
        "envelope": text,
        "keys": keys,
        "partner_app": s.partner,
        "base_url": BASE_URL,
        "app_ids": [s.app_id],
        "user_ids": ["qa", "someone"],
    }
    return sdk.run(request | options)


@pytest.mark.slow
def test_it_verifies_the_served_manifest_and_refuses_a_tampered_one(
    sdk: NodeSdk, client: TestClient, factory: Factory
) -> None:
    s, candidate = _rollout(client, factory)
    body, keys = _served(s)
    envelope = json.loads(body)
    assert envelope["canonicalization"] == "jcs"
    accepted = _resolve(sdk, s, body, keys)
    assert accepted["serial"] == envelope["manifest"]["serial"]
    assert accepted["answers"][s.app_id] == [_server(s, s.app_id, u) for u in ("qa", "someone")]
    assert accepted["answers"][s.app_id][0]["channel"] == "pilot"
    # Re-encoded by a proxy (indented, keys in another order): the same value, still valid.
    reordered = {k: envelope[k] for k in reversed(list(envelope))}
    assert _resolve(sdk, s, json.dumps(reordered, indent=2), keys)["serial"] == accepted["serial"]

    def refused(changed: dict[str, Any], **options: Any) -> Any:
        return _resolve(sdk, s, json.dumps(changed), keys, **options).get("error")

    entry = envelope["manifest"]["mini_programs"][s.app_id]
    assert entry["candidate"]["release_id"] == candidate
    assert entry["candidate"]["basis_points"] == 3750
    more = json.loads(body)
    more["manifest"]["mini_programs"][s.app_id]["candidate"]["basis_points"] = 3751
    assert refused(more) == "signature_invalid"
    signature = bytearray(base64.b64decode(envelope["signature"]))
    signature[0] ^= 1
    assert refused(envelope | {"signature": base64.b64encode(signature).decode()}) == (
        "signature_invalid"
    )
    assert refused(envelope | {"key_id": "0123456789abcdef"}) == "signature_invalid"
    assert refused(envelope | {"algorithm": "RS256"}) == "signature_invalid"
    assert refused(envelope | {"canonicalization": "sorted-json"}) == "signature_invalid"
    # The form signed before JCS is the Python SDK's to check, during the change.
    legacy = {k: v for k, v in envelope.items() if k != "canonicalization"}
    assert refused(legacy) == "signature_invalid"
    assert refused(envelope, partner_app="another") == "manifest_invalid"
    stale = envelope["manifest"]["serial"] + 1
    assert refused(envelope, min_serial=stale) == "manifest_stale"


def _users() -> list[str | None]:
    """10,000 user ids: the testers, no user, odd ones, the vectors' and generated ones."""
    odd = ["", " ", "ü", "🙂emoji", "a:b", "x" * 300, "user@example.com", "\uff12\uff10\uff18"]
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    named = sorted({c["user_id"] for c in vectors})
    rng = random.Random(13)
    users: list[str | None] = list(dict.fromkeys([None, *TESTERS, *odd, *named]))
    generated = (f"user-{n}" if n % 2 else f"{rng.getrandbits(64):x}" for n in range(USER_COUNT))
    users += sorted(set(generated) - set(users))[: USER_COUNT - len(users)]
    return users


@pytest.mark.slow
def test_it_agrees_with_launch_for_ten_thousand_users(
    sdk: NodeSdk, client: TestClient, factory: Factory
) -> None:
    s, candidate = _rollout(client, factory)
    body, keys = _served(s)
    users = _users()
    assert len(users) == len(set(users)) == USER_COUNT
    found = _resolve(sdk, s, body, keys, user_ids=users)
    assert "error" not in found, found
    javascript = found["answers"][s.app_id]

    server = launches(s, users)
    python = Resolver.from_envelope(body, keys_of(keys), partner_app=s.partner, base_url=BASE_URL)
    for user, theirs, ours, local in zip(
        users, javascript, server, (_local(python, s.app_id, u) for u in users), strict=True
    ):
        assert theirs == ours == local, user
    channels = [answer["channel"] for answer in server if isinstance(answer, dict)]
    assert channels.count("pilot") == len(TESTERS)
    # 37.5 % of the others, give or take what chance allows (sd ~ 0.5 %).
    assert 0.35 < channels.count("grayscale") / USER_COUNT < 0.40
    assert all(a["release_id"] == candidate for a in server if a["channel"] != "online")


def launches(s: Scenario, users: list[str | None]) -> list[dict[str, Any] | str]:
    """GET /launch's answer for each user, through the whole app (middleware, routing),
    on the test client's event loop in one hop: 10,000 hops cost a minute on a busy
    machine. An answer's shape is checked against the test client's on a few users."""

    async def get_all() -> list[httpx2.Response]:
        transport = httpx2.ASGITransport(app=s.client.app)
        async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            path = f"{API}/launch/{s.partner}/{s.app_id}"
            return [
                await http.get(path, params={} if user is None else {"user_id": user})
                for user in users
            ]

    portal = s.client.portal
    assert portal is not None
    answers: list[dict[str, Any] | str] = []
    for response in portal.call(get_all):
        if response.status_code == 200:
            answers.append(response.json())
        else:
            assert response.status_code in (404, 410), response.text
            answers.append(response.json()["code"])
    for index in (0, 1, 4, len(users) - 1):
        assert answers[index] == _server(s, s.app_id, users[index])
    return answers


def keys_of(document: str) -> str:
    """The single key the Python SDK pins (its KeyRing is tested elsewhere)."""
    public_key: str = json.loads(document)["public_key"]
    return public_key
