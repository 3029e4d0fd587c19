"""Manifest deltas served by the API (issue 15, item 2): ``?since=S`` answers only what
changed since S, signed like the manifest and chained to it; the SDK's result of applying
it equals the full manifest; the full manifest comes back when the history is not held
(pruned, a deleted mini program, a serial ahead); clients that never send ``since`` get
the manifest as before; one delta is cacheable like the manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release
from minirelease.resolver import DeltaInvalid, Manifest, load_manifest, load_update
from minirelease.rollout.changes import RolloutChange
from tests.api.hostile import QUERY_VALUES
from tests.factories import Factory
from tests.releases.flow import grayscale, problem, released, scenario
from tests.rollout.rows import Rows

API = "/api/v1"


@dataclass
class Wallet:
    """A partner app with two mini programs online (one in grayscale), and another
    partner app sharing one of them."""

    rows: Rows
    partner: PartnerApp
    other: PartnerApp
    programs: list[MiniProgram]
    candidate: Release


@pytest.fixture
def wallet(factory: Factory) -> Wallet:
    rows = Rows.make(factory)
    partner, other = factory.partner_app(), factory.partner_app()
    programs = [rows.program(), rows.program()]
    for mp in programs:
        rows.listing(mp, partner, rows.release(mp, partner, "1.0.0", "released"))
    candidate = rows.release(programs[0], partner, "1.1.0", "grayscale", basis_points=100)
    rows.listing(programs[1], other, rows.release(programs[1], other, "1.0.0", "released"))
    return Wallet(rows, partner, other, programs, candidate)


def _get(client: TestClient, code: str, since: int | None = None, **headers: str) -> Any:
    params = {} if since is None else {"since": since}
    return client.get(f"{API}/partner-apps/{code}/manifest", params=params, headers=headers)


def _document(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    document: dict[str, Any] = json.loads(response.content)["manifest"]
    return document


def _key(client: TestClient) -> str:
    return str(client.get(f"{API}/signing-key").json()["public_key"])


def _full(client: TestClient, code: str) -> Manifest:
    return load_manifest(_get(client, code).content, _key(client), partner_app=code)


def _raise(session_factory: sessionmaker[Any], release: Release, basis_points: int) -> None:
    with session_factory() as session:
        row = session.get(Release, release.id)
        assert row is not None
        row.basis_points = basis_points
        session.commit()


def test_a_delta_holds_what_changed_and_applies_to_the_full_manifest(
    client: TestClient, wallet: Wallet, factory: Factory
) -> None:
    code, key = wallet.partner.code, _key(client)
    held = _full(client, code)
    _raise(factory.session_factory, wallet.candidate, 2500)
    newcomer = wallet.rows.program()
    wallet.rows.listing(newcomer, wallet.partner)
    # A change on another partner app is not this one's.
    other_mp = wallet.programs[1]
    wallet.rows.release(other_mp, wallet.other, "2.0.0", "grayscale", basis_points=10)

    response = _get(client, code, since=held.serial)
    delta = _document(response)
    full = _full(client, code)
    assert delta["kind"] == "delta"
    assert (delta["partner_app"], delta["since"], delta["serial"]) == (
        code,
        held.serial,
        full.serial,
    )
    assert "mini_programs" not in delta
    assert set(delta["changes"]) == {wallet.programs[0].app_id, newcomer.app_id}
    assert delta["count"] == 3
    assert delta["changes"][wallet.programs[0].app_id]["candidate"]["basis_points"] == 2500

    assert load_update(response.content, key, held) == full
    # Signed like the manifest: a full-manifest loader never takes it for one.
    with pytest.raises(Exception, match="not a full manifest"):
        load_manifest(response.content, key)


def test_a_delta_through_the_release_flow(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    key = _key(client)
    held = _full(client, s.partner)
    release_id = grayscale(s, "1.1.0", 5)
    s.ok("POST", f"/releases/{release_id}/grayscale", json={"percentage": 20})
    response = _get(client, s.partner, since=held.serial)
    assert set(_document(response)["changes"]) == {s.app_id}
    updated = load_update(response.content, key, held)
    assert updated == _full(client, s.partner)
    candidate = updated.mini_programs[s.app_id].candidate
    assert candidate is not None and candidate.basis_points == 2000


def test_since_the_current_serial_is_an_empty_delta_then_304s(
    client: TestClient, wallet: Wallet
) -> None:
    code = wallet.partner.code
    serial = _full(client, code).serial
    first = _get(client, code, since=serial)
    assert _document(first)["changes"] == {}
    assert (_document(first)["since"], _document(first)["serial"]) == (serial, serial)
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == (
        "public, max-age=5, stale-while-revalidate=10"
    )
    again = _get(client, code, since=serial, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]


def test_a_delta_is_built_once_and_served_to_every_poller(
    client: TestClient, wallet: Wallet, factory: Factory
) -> None:
    code = wallet.partner.code
    serial = _full(client, code).serial
    _raise(factory.session_factory, wallet.candidate, 300)
    first = _get(client, code, since=serial)
    second = _get(client, code, since=serial)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert (
        _get(client, code, since=serial, **{"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )


def test_the_full_manifest_when_the_history_is_not_held(
    client: TestClient, wallet: Wallet, factory: Factory
) -> None:
    code, key = wallet.partner.code, _key(client)
    held = _full(client, code)
    _raise(factory.session_factory, wallet.candidate, 700)
    with factory.session_factory() as session:  # pruned, as after KEEP more changes
        session.execute(delete(RolloutChange).where(RolloutChange.serial > held.serial))
        session.commit()
    response = _get(client, code, since=held.serial)
    document = _document(response)
    assert "kind" not in document and "mini_programs" in document
    assert response.content == _get(client, code).content
    assert load_update(response.content, key, held) == _full(client, code)


def test_the_full_manifest_for_a_serial_ahead_which_the_sdk_refuses_as_stale(
    client: TestClient, wallet: Wallet
) -> None:
    code, key = wallet.partner.code, _key(client)
    held = _full(client, code)
    ahead = Manifest(code, held.serial + 10, held.mini_programs)
    response = _get(client, code, since=ahead.serial)
    assert "mini_programs" in _document(response)
    with pytest.raises(Exception, match="older than the accepted"):
        load_update(response.content, key, ahead)


def test_a_deleted_mini_program_answers_the_full_manifest_without_it(
    client: TestClient, wallet: Wallet, factory: Factory
) -> None:
    code, key = wallet.partner.code, _key(client)
    held = _full(client, code)
    gone = wallet.programs[1]
    with factory.session_factory() as session:  # row by row: a bulk DELETE is a full change
        for listing in session.scalars(select(Listing).where(Listing.mini_program_id == gone.id)):
            session.delete(listing)
        row = session.get(MiniProgram, gone.id)
        assert row is not None
        session.delete(row)
        session.commit()
    response = _get(client, code, since=held.serial)
    assert "mini_programs" in _document(response)
    updated = load_update(response.content, key, held)
    assert gone.app_id not in updated.mini_programs
    assert updated == _full(client, code)


def test_an_unlisted_mini_program_is_dropped_by_a_null(
    client: TestClient, wallet: Wallet, factory: Factory
) -> None:
    code, key = wallet.partner.code, _key(client)
    held = _full(client, code)
    gone = wallet.programs[1]
    with factory.session_factory() as session:
        listing = session.scalar(
            select(Listing).where(
                Listing.mini_program_id == gone.id, Listing.partner_app_id == wallet.partner.id
            )
        )
        session.delete(listing)
        session.commit()
    response = _get(client, code, since=held.serial)
    assert _document(response)["changes"] == {gone.app_id: None}
    assert load_update(response.content, key, held) == _full(client, code)


def test_a_delta_from_another_serial_is_refused_by_the_sdk(
    client: TestClient, wallet: Wallet, factory: Factory
) -> None:
    code, key = wallet.partner.code, _key(client)
    older = _full(client, code)
    _raise(factory.session_factory, wallet.candidate, 800)
    held = _full(client, code)
    _raise(factory.session_factory, wallet.candidate, 900)
    from_older = _get(client, code, since=older.serial).content
    with pytest.raises(DeltaInvalid, match="starts at serial"):
        load_update(from_older, key, held)


def test_old_clients_without_since_are_unchanged_and_bad_since_refused(
    client: TestClient, wallet: Wallet
) -> None:
    code = wallet.partner.code
    plain = _get(client, code)
    assert "mini_programs" in _document(plain)
    assert _get(client, code, **{"If-None-Match": plain.headers["etag"]}).status_code == 304
    problem(_get(client, code, since=-1), 422, "validation_error")
    problem(client.get(f"{API}/partner-apps/{code}/manifest?since=abc"), 422, "validation_error")
    problem(_get(client, "no-such-partner", since=0), 404, "not_found")


def test_hostile_since_values_never_fail_the_server(client: TestClient, wallet: Wallet) -> None:
    url = f"{API}/partner-apps/{wallet.partner.code}/manifest"
    for value in (*QUERY_VALUES, str(2**53), str(2**63)):
        response = client.get(url, params={"since": value})
        assert response.status_code in (200, 422), (value, response.text)
        if response.status_code == 422:
            assert response.json()["code"] == "validation_error"
