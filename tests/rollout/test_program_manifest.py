"""One mini program's signed manifest on a partner app (issue 15, item 3): the partner app's
manifest restricted to that program and naming it, verified by the SDK for that program
alone and resolving as the launch endpoint answers; 404 for what is not listed; a weak
ETag with 304 on If-None-Match and the whole manifest's caching headers; built and signed
once per change of that program, and left alone by other programs' changes."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from minirelease.api.routers.manifest import CACHE_CONTROL
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.resolver import KeyRing, ManifestInvalid, NotReleased, Resolver
from minirelease.resolver.canonical import jcs_json
from tests.api.hostile import PATH_VALUES
from tests.factories import Factory
from tests.releases.flow import Scenario, grayscale, problem, released, scenario
from tests.rollout.rows import Rows

API = "/api/v1"
BASE = "http://testserver"


def _url(code: str, app_id: str) -> str:
    return f"{API}/partner-apps/{code}/mini-programs/{app_id}/manifest"


def _get(s: Scenario, app_id: str | None = None, **headers: str) -> Any:
    return s.client.get(_url(s.partner, app_id or s.app_id), headers=headers)


def _manifest(response: Any) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(response.content)["manifest"]
    return manifest


def _keys(s: Scenario) -> KeyRing:
    return KeyRing(lambda: s.client.get(f"{API}/signing-key").content)


@dataclass
class Ramping(Scenario):
    candidate: str = ""  # the release in grayscale


@pytest.fixture
def ramping(client: TestClient, factory: Factory) -> Ramping:
    """A mini program online at 1.0.0 with 1.1.0 in grayscale for 30 % of users."""
    s = scenario(client, factory)
    released(s, "1.0.0")
    candidate = grayscale(s, "1.1.0", 30)
    return Ramping(**{f.name: getattr(s, f.name) for f in fields(s)}, candidate=candidate)


class CountingSigner:
    """The app's signer, counting what it signs."""

    def __init__(self, signer: Any) -> None:
        self._signer = signer
        self.key_id: str = signer.key_id
        self.signed = 0

    def sign(self, data: bytes) -> str:
        self.signed += 1
        return str(self._signer.sign(data))

    def __getattr__(self, name: str) -> Any:  # the rest, as the signer has it
        return getattr(self._signer, name)


def _other_program(s: Scenario, factory: Factory) -> Release:
    """Another mini program on the same partner app, in grayscale; its candidate."""
    with factory.session_factory() as session:
        partner = session.scalars(select(PartnerApp).where(PartnerApp.code == s.partner)).one()
    rows = Rows.make(factory)
    mp = rows.program()
    rows.listing(mp, partner, rows.release(mp, partner, "1.0.0", "released"))
    return rows.release(mp, partner, "1.1.0", "grayscale", basis_points=1000)


def test_it_is_the_whole_manifest_restricted_to_the_program_and_named(
    ramping: Ramping, factory: Factory
) -> None:
    s = ramping
    _other_program(s, factory)
    response = _get(s)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    envelope = json.loads(response.content)
    assert response.content == jcs_json(envelope)
    assert set(envelope) == {"manifest", "signature", "key_id", "algorithm", "canonicalization"}
    whole = _manifest(s.client.get(f"{API}/partner-apps/{s.partner}/manifest"))
    assert len(whole["mini_programs"]) == 2
    manifest = envelope["manifest"]
    assert manifest == {
        "format": 1,
        "partner_app": s.partner,
        "mini_program": s.app_id,
        "serial": manifest["serial"],
        "mini_programs": {s.app_id: whole["mini_programs"][s.app_id]},
    }
    # Built when the other program was already listed: at the serial of that moment.
    assert manifest["serial"] == whole["serial"]


def test_it_verifies_for_its_program_and_resolves_as_the_launch_answers(
    ramping: Ramping,
) -> None:
    s = ramping
    resolver = Resolver.from_envelope(
        _get(s).content, _keys(s), partner_app=s.partner, app_id=s.app_id, base_url=BASE
    )
    assert resolver.manifest.mini_program == s.app_id
    channels = set()
    for user in [None, "", *(f"user-{n}" for n in range(300))]:
        decision = resolver.resolve(s.app_id, user)
        answer = s.launch(user)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["channel"], body["release_id"], body["version"]) == (
            decision.channel.value,
            decision.release_id,
            decision.version,
        )
        assert body["package"] == {
            "url": decision.package.url,
            "sha256": decision.package.sha256,
            "size": decision.package.size,
            "signature": decision.package.signature,
            "key_id": decision.package.key_id,
        }
        channels.add(decision.channel.value)
    assert channels == {"online", "grayscale"}
    with pytest.raises(NotReleased):  # it answers for its own program alone
        resolver.resolve("9999999999999999", "user-1")


def test_the_sdk_refuses_it_for_another_program_or_partner_app_or_as_a_whole_manifest(
    ramping: Ramping,
) -> None:
    s = ramping
    body, keys = _get(s).content, _keys(s)
    for wrong in (
        {"partner_app": s.partner, "app_id": "2021000000000009"},
        {"partner_app": "another-partner", "app_id": s.app_id},
        {"partner_app": s.partner},  # taken for the partner app's whole manifest
    ):
        with pytest.raises(ManifestInvalid):
            Resolver.from_envelope(body, keys, **wrong)
    whole = s.client.get(f"{API}/partner-apps/{s.partner}/manifest").content
    with pytest.raises(ManifestInvalid, match="whole partner app"):
        Resolver.from_envelope(whole, keys, partner_app=s.partner, app_id=s.app_id)


def test_what_is_not_listed_is_404(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    elsewhere = factory.partner_app()  # the program is not listed there
    for code, app_id in (
        ("no-such-partner", s.app_id),
        (s.partner, "9999999999999999"),
        (elsewhere.code, s.app_id),
    ):
        body = problem(client.get(_url(code, app_id)), 404, "not_found")
        assert body["instance"] == _url(code, app_id)
    assert _get(s).status_code == 200


def test_a_weak_etag_answers_304_with_the_whole_manifests_cache_headers(
    ramping: Ramping,
) -> None:
    s = ramping
    first = _get(s)
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and etag.endswith('"')
    assert first.headers["cache-control"] == CACHE_CONTROL
    opaque = etag.removeprefix("W/")
    for tag in (etag, opaque, f'"other", {etag}', "*"):
        unchanged = _get(s, **{"If-None-Match": tag})
        assert unchanged.status_code == 304, tag
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == etag
        assert unchanged.headers["cache-control"] == CACHE_CONTROL
    assert _get(s, **{"If-None-Match": '"other"'}).status_code == 200
    # In each content coding the same manifest, under that coding's tag, as weak.
    plain = _get(s, **{"Accept-Encoding": "identity"})
    assert plain.content == first.content and "content-encoding" not in plain.headers
    assert plain.headers["etag"].startswith('W/"') and "Accept-Encoding" in plain.headers["vary"]
    assert (
        _get(
            s, **{"If-None-Match": plain.headers["etag"], "Accept-Encoding": "identity"}
        ).status_code
        == 304
    )


def test_it_moves_with_its_program_alone_and_is_signed_once_per_change(
    ramping: Ramping, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = ramping
    other = _other_program(s, factory)
    state = s.client.app.state  # type: ignore[attr-defined]
    signer = state.signer = CountingSigner(state.signer)
    first = _get(s)
    whole = s.client.get(f"{API}/partner-apps/{s.partner}/manifest")
    for _ in range(5):
        assert _get(s).content == first.content
    assert signer.signed == 2  # this program's manifest and the whole one, once each

    with session_factory() as session:  # another program's grayscale is raised
        row = session.get(Release, other.id)
        assert row is not None
        row.basis_points = 5000
        session.commit()
    moved = s.client.get(
        f"{API}/partner-apps/{s.partner}/manifest",
        headers={"If-None-Match": whole.headers["etag"]},
    )
    assert moved.status_code == 200 and _manifest(moved)["serial"] > _manifest(first)["serial"]
    assert _get(s, **{"If-None-Match": first.headers["etag"]}).status_code == 304
    assert _get(s).content == first.content  # the same bytes, at the same serial
    assert signer.signed == 3  # the whole manifest again; this program's not

    s.ok("POST", f"/releases/{s.candidate}/grayscale", json={"percentage": 60})
    changed = _get(s, **{"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]
    manifest = _manifest(changed)
    assert manifest["serial"] > _manifest(moved)["serial"]
    assert manifest["mini_programs"][s.app_id]["candidate"]["basis_points"] == 6000
    assert signer.signed == 4
    # Newer than what the backend held: the SDK takes it with min_serial of the old one.
    Resolver.from_envelope(
        changed.content,
        _keys(s),
        partner_app=s.partner,
        app_id=s.app_id,
        min_serial=_manifest(first)["serial"],
    )


def test_hostile_codes_and_app_ids_never_fail_the_server(ramping: Ramping) -> None:
    s = ramping
    urls = [_url(value, s.app_id) for value in PATH_VALUES]
    urls += [_url(s.partner, value) for value in PATH_VALUES]
    for response in map(s.client.get, urls):
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] in {"not_found", "validation_error"}
