"""The signed manifest of a partner app (issue 5, item 2): the agreed format exactly, an
Ed25519 signature over its RFC 8785 (JCS) form, no personal data, a strong ETag with 304 on
If-None-Match, cache headers for a CDN, built and signed once per change, and resolving
from it gives the launch endpoint's answers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from minirelease.build.signing import verify
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.resolver import NotReleased, Removed, Resolver
from minirelease.resolver.canonical import jcs_json
from minirelease.rollout.manifest import ManifestCache
from minirelease.rollout.resolve import Package, PairRollout
from minirelease.rollout.serial import current_serial
from minirelease.rollout.state import RolloutSnapshot
from tests.api.hostile import PATH_VALUES, QUERY_VALUES
from tests.factories import Factory
from tests.releases.flow import problem
from tests.rollout.rows import Rows
from tests.rollout.signers import CountingSigner

API = "/api/v1"
TESTERS = ("pilot-tester-qa", "张三")


@dataclass
class Catalog:
    """A partner app with one mini program in each state, and a second partner app."""

    partner: PartnerApp
    other: PartnerApp
    programs: dict[str, MiniProgram]
    releases: dict[str, Release]


@pytest.fixture
def catalog(factory: Factory) -> Catalog:
    rows = Rows.make(factory)
    partner, other = factory.partner_app(), factory.partner_app()
    names = ("ramping", "piloted", "halted", "removed", "waiting", "elsewhere")
    mp = {name: rows.program() for name in names}
    r: dict[str, Release] = {}
    r["ramping.online"] = rows.release(mp["ramping"], partner, "1.0.0", "released")
    r["ramping.candidate"] = rows.release(
        mp["ramping"], partner, "1.1.0", "grayscale", basis_points=2500, testers=TESTERS
    )
    r["piloted.online"] = rows.release(mp["piloted"], partner, "2.0.0", "released")
    # A pilot publishes 0 basis points whatever the row holds.
    r["piloted.candidate"] = rows.release(
        mp["piloted"], partner, "2.1.0", "pilot", basis_points=300, testers=TESTERS[:1]
    )
    r["halted.online"] = rows.release(mp["halted"], partner, "3.0.0", "released")
    r["halted.candidate"] = rows.release(
        mp["halted"], partner, "3.1.0", "grayscale", basis_points=9000, halted=True
    )
    r["removed.online"] = rows.release(mp["removed"], partner, "4.0.0", "released")
    rows.release(mp["waiting"], partner, "5.0.0", "building", built=False)
    r["elsewhere.online"] = rows.release(mp["elsewhere"], other, "6.0.0", "released")
    for name in ("ramping", "piloted", "halted"):
        rows.listing(mp[name], partner, r[f"{name}.online"])
    rows.listing(mp["removed"], partner, r["removed.online"], removed=True)
    rows.listing(mp["waiting"], partner)
    rows.listing(mp["elsewhere"], other, r["elsewhere.online"])
    rows.listing(mp["ramping"], other, rows.release(mp["ramping"], other, "1.0.0", "released"))
    return Catalog(partner, other, mp, r)


def _package(release: Release) -> dict[str, Any]:
    return {
        "release_id": release.id,
        "version": release.version,
        "sha256": release.build_sha256,
        "size": release.build_size,
        "signature": release.build_signature,
        "key_id": release.build_key_id,
        "url": f"{API}/packages/{release.build_sha256}",
    }


def _candidate(release: Release, state: str, points: int, halted: bool, testers: Any) -> Any:
    digests = [hashlib.sha256(f"{release.id}:{user}".encode()).hexdigest() for user in testers]
    return _package(release) | {
        "state": state,
        "basis_points": points,
        "halted": halted,
        "tester_salt": release.id,
        "testers": sorted(digests),
    }


def _get(client: TestClient, code: str, **headers: str) -> Any:
    return client.get(f"{API}/partner-apps/{code}/manifest", headers=headers)


def test_the_manifest_is_the_agreed_format_signed(
    client: TestClient, catalog: Catalog, session: Session
) -> None:
    response = _get(client, catalog.partner.code)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    envelope = json.loads(response.content)
    assert response.content == jcs_json(envelope)
    assert set(envelope) == {"manifest", "signature", "key_id", "algorithm", "canonicalization"}
    assert envelope["canonicalization"] == "jcs"
    key = client.get(f"{API}/signing-key").json()
    assert (envelope["algorithm"], envelope["key_id"]) == ("Ed25519", key["key_id"])
    manifest = envelope["manifest"]
    assert verify(key["public_key"], jcs_json(manifest), envelope["signature"])

    mp, r = catalog.programs, catalog.releases
    assert manifest == {
        "format": 1,
        "partner_app": catalog.partner.code,
        "serial": current_serial(session),
        "mini_programs": {
            mp["ramping"].app_id: {
                "removed": False,
                "online": _package(r["ramping.online"]),
                "candidate": _candidate(r["ramping.candidate"], "grayscale", 2500, False, TESTERS),
            },
            mp["piloted"].app_id: {
                "removed": False,
                "online": _package(r["piloted.online"]),
                "candidate": _candidate(r["piloted.candidate"], "pilot", 0, False, TESTERS[:1]),
            },
            mp["halted"].app_id: {
                "removed": False,
                "online": _package(r["halted.online"]),
                "candidate": _candidate(r["halted.candidate"], "grayscale", 9000, True, []),
            },
            mp["removed"].app_id: {"removed": True, "online": None, "candidate": None},
            mp["waiting"].app_id: {"removed": False, "online": None, "candidate": None},
        },
    }
    # No personal data: no tester's user id, nobody's name or email.
    text = response.content.decode()
    for private in (*TESTERS, "@example.com", "Mini "):
        assert private not in text


def test_each_partner_app_gets_its_own_and_unknown_ones_404(
    client: TestClient, catalog: Catalog, factory: Factory
) -> None:
    other = json.loads(_get(client, catalog.other.code).content)["manifest"]
    assert set(other["mini_programs"]) == {
        catalog.programs["elsewhere"].app_id,
        catalog.programs["ramping"].app_id,
    }
    assert other["partner_app"] == catalog.other.code
    empty = factory.partner_app()
    assert json.loads(_get(client, empty.code).content)["manifest"]["mini_programs"] == {}
    body = problem(_get(client, "no-such-partner"), 404, "not_found")
    assert body["instance"] == f"{API}/partner-apps/no-such-partner/manifest"


def test_etag_if_none_match_and_cache_headers(
    client: TestClient, catalog: Catalog, session_factory: sessionmaker[Any]
) -> None:
    first = _get(client, catalog.partner.code)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    cache_control = first.headers["cache-control"]
    assert "public" in cache_control and "max-age=5" in cache_control
    assert _get(client, catalog.partner.code).content == first.content
    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        unchanged = _get(client, catalog.partner.code, **{"If-None-Match": tag})
        assert unchanged.status_code == 304, tag
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == etag
        assert unchanged.headers["cache-control"] == cache_control
    assert _get(client, catalog.partner.code, **{"If-None-Match": '"other"'}).status_code == 200

    with session_factory() as session:  # raise the grayscale
        row = session.get(Release, catalog.releases["ramping.candidate"].id)
        assert row is not None
        row.basis_points = 5000
        session.commit()
    changed = _get(client, catalog.partner.code, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    manifest = json.loads(changed.content)["manifest"]
    assert manifest["serial"] > json.loads(first.content)["manifest"]["serial"]
    entry = manifest["mini_programs"][catalog.programs["ramping"].app_id]
    assert entry["candidate"]["basis_points"] == 5000


def test_the_manifest_resolves_as_the_launch_endpoint_answers(
    client: TestClient, catalog: Catalog
) -> None:
    key = client.get(f"{API}/signing-key").json()["public_key"]
    body = _get(client, catalog.partner.code).content
    resolver = Resolver.from_envelope(
        body, key, partner_app=catalog.partner.code, base_url="http://testserver"
    )
    users: list[str | None] = [None, "", *TESTERS, *(f"user-{n}" for n in range(150))]
    app_ids = [mp.app_id for mp in catalog.programs.values()] + ["9999999999999999"]
    compared = set()
    for app_id in app_ids:
        for user in users:
            params = {} if user is None else {"user_id": user}
            answer = client.get(f"{API}/launch/{catalog.partner.code}/{app_id}", params=params)
            try:
                decision = resolver.resolve(app_id, user)
            except NotReleased:
                assert problem(answer, 404, "not_released")
                compared.add("not_released")
                continue
            except Removed:
                assert problem(answer, 410, "removed")
                compared.add("removed")
                continue
            assert answer.status_code == 200, answer.text
            assert answer.json() == {
                "app_id": app_id,
                "partner_app": catalog.partner.code,
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
            compared.add(decision.channel.value)
    assert compared == {"online", "grayscale", "pilot", "not_released", "removed"}


def test_hostile_partner_codes_and_user_ids_never_fail_the_server(
    client: TestClient, catalog: Catalog
) -> None:
    app_id = catalog.programs["ramping"].app_id
    responses = [client.get(f"{API}/partner-apps/{code}/manifest") for code in PATH_VALUES]
    responses += [client.get(f"{API}/launch/{code}/{code}") for code in PATH_VALUES]
    responses += [
        client.get(f"{API}/launch/{catalog.partner.code}/{app_id}", params={"user_id": value})
        for value in QUERY_VALUES
    ]
    for response in responses:
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] in {"not_found", "not_released", "validation_error"}


def _snapshot(serial: int) -> RolloutSnapshot:
    package = Package("rel_1", "1.0.0", "a" * 64, 10, "sig")
    pairs = MappingProxyType({"2021000000000001": PairRollout(online=package)})
    return RolloutSnapshot(serial=serial, partners=MappingProxyType({"wallet": pairs}))


def test_a_manifest_is_built_and_signed_once_per_change() -> None:
    cache, signer = ManifestCache(), CountingSigner()
    current = _snapshot(7)
    first = cache.get(current, "wallet", "/p/", signer)
    assert first is not None and signer.signed == 1
    assert cache.get(current, "wallet", "/p/", signer) is first
    assert signer.signed == 1
    assert cache.get(current, "nobody", "/p/", signer) is None
    newer = cache.get(_snapshot(8), "wallet", "/p/", signer)
    assert newer is not None and newer.etag != first.etag and signer.signed == 2
    assert json.loads(newer.body)["manifest"]["serial"] == 8
    # Another snapshot is another state, even at the same serial (a test's rolled-back
    # transaction may reach a serial again with other data).
    assert cache.get(_snapshot(8), "wallet", "/p/", signer) is not newer
    assert signer.signed == 3
    other_key = CountingSigner("k2")
    resigned = cache.get(current, "wallet", "/p/", other_key)
    assert resigned is not None and other_key.signed == 1
    assert json.loads(resigned.body)["key_id"] == "k2"
