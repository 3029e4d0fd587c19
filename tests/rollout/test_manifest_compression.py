"""The manifest compressed (issue 15, item 1): in each coding the client accepts, each with
its own strong ETag and 304, Vary on every answer, the coded bytes made once per serial,
and the decoded manifest verifying with the resolver SDK exactly as the uncoded one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.api.routers.launch import packages_path
from minirelease.http.content_codings import OFFERED
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from minirelease.resolver import Resolver
from minirelease.rollout.manifest import SignedManifest
from tests.factories import Factory
from tests.http.coded import Sent, get_raw
from tests.rollout.rows import Rows

API = "/api/v1"
CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=10"


class Partner:
    """A partner app with a few programs online and one in grayscale: a manifest over the
    compression threshold."""

    def __init__(self, factory: Factory) -> None:
        rows = Rows.make(factory)
        self.app: PartnerApp = factory.partner_app()
        self.url = f"{API}/partner-apps/{self.app.code}/manifest"
        self.app_ids = []
        for n in range(4):
            mp = rows.program()
            online = rows.release(mp, self.app, f"1.{n}.0", "released")
            rows.listing(mp, self.app, online)
            self.app_ids.append(mp.app_id)
        self.grayscale: Release = rows.release(
            mp, self.app, "2.0.0", "grayscale", basis_points=2500, testers=("qa",)
        )


@pytest.fixture
def partner(factory: Factory) -> Partner:
    return Partner(factory)


def _get(client: TestClient, partner: Partner, accept: str | None, **headers: str) -> Sent:
    if accept is not None:
        headers["Accept-Encoding"] = accept
    return get_raw(client, partner.url, **headers)


def _held(client: TestClient, partner: Partner) -> SignedManifest:
    state: Any = client.app.state  # type: ignore[attr-defined]
    signed = state.manifests.get(
        state.rollout.snapshot, partner.app.code, packages_path(client.app), state.signer
    )
    assert signed is not None
    return signed  # type: ignore[no-any-return]


def test_each_coding_decodes_to_the_manifest_and_verifies_the_same(
    client: TestClient, partner: Partner
) -> None:
    key = client.get(f"{API}/signing-key").json()["public_key"]
    plain = _get(client, partner, None)
    assert plain.status == 200 and plain.coding is None
    assert len(plain.raw) > client.app.state.settings.compress_min_bytes  # type: ignore[attr-defined]
    assert plain.headers["content-length"] == str(len(plain.raw))
    expected = Resolver.from_envelope(plain.raw, key, partner_app=partner.app.code)
    for coding in OFFERED:
        sent = _get(client, partner, coding)
        assert sent.status == 200 and sent.coding == coding
        assert sent.headers["content-length"] == str(len(sent.raw)) and len(sent.raw) < len(
            plain.raw
        )
        assert sent.headers["content-type"] == "application/json"
        assert sent.headers["cache-control"] == CACHE_CONTROL
        assert sent.headers["vary"] == "Accept-Encoding"
        assert sent.decoded() == plain.raw
        resolver = Resolver.from_envelope(sent.decoded(), key, partner_app=partner.app.code)
        assert resolver.serial == expected.serial
        for app_id in partner.app_ids:
            for user in ("qa", "user-1", "user-2", None):
                assert resolver.resolve(app_id, user) == expected.resolve(app_id, user)


def test_each_coding_has_its_own_strong_etag_and_304(client: TestClient, partner: Partner) -> None:
    plain = _get(client, partner, None).headers["etag"]
    tags = {None: plain}
    for coding in OFFERED:
        tags[coding] = _get(client, partner, coding).headers["etag"]
        assert tags[coding] == f'{plain[:-1]}-{coding}"' and not tags[coding].startswith("W/")
    assert len(set(tags.values())) == 4
    for coding, tag in tags.items():
        for if_none_match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            again = _get(client, partner, coding, **{"If-None-Match": if_none_match})
            assert again.status == 304 and again.raw == b"", (coding, if_none_match)
            assert again.headers["etag"] == tag and again.headers["vary"] == "Accept-Encoding"
            assert again.headers["cache-control"] == CACHE_CONTROL
            assert "content-encoding" not in again.headers
        # Another coding's tag is another representation: the whole answer.
        other = "gzip" if coding != "gzip" else "br"
        whole = _get(client, partner, coding, **{"If-None-Match": tags[other]})
        assert whole.status == 200 and whole.coding == coding


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip, br, zstd", "zstd"),
        ("zstd;q=0, br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("*;q=0, identity", None),
        ("identity;q=0", None),  # nothing else acceptable: sent as it is
        ("", None),
    ],
)
def test_the_client_s_weights_and_refusals(
    client: TestClient, partner: Partner, accept: str, coding: str | None
) -> None:
    sent = _get(client, partner, accept)
    assert sent.status == 200 and sent.coding == coding
    assert sent.headers["vary"] == "Accept-Encoding"


def test_coded_bytes_are_made_once_per_serial(
    client: TestClient, partner: Partner, session_factory: sessionmaker[Any]
) -> None:
    for _ in range(3):
        for coding in (*OFFERED, None):
            assert _get(client, partner, coding).status == 200
    first = _held(client, partner)
    assert first.coded.made == {"zstd": 1, "br": 1, "gzip": 1}
    gzip_tag = _get(client, partner, "gzip").headers["etag"]

    with session_factory() as session:  # raise the grayscale: a new serial
        row = session.get(Release, partner.grayscale.id)
        assert row is not None
        row.basis_points = 5000
        session.commit()
    for _ in range(3):
        changed = _get(client, partner, "gzip", **{"If-None-Match": gzip_tag})
        assert changed.status == 200 and changed.headers["etag"] != gzip_tag
    second = _held(client, partner)
    assert second.serial > first.serial
    assert second.coded.made == {"gzip": 1}  # made on demand: gzip alone so far
    assert first.coded.made == {"zstd": 1, "br": 1, "gzip": 1}


def test_a_manifest_under_the_threshold_goes_as_it_is(client: TestClient, factory: Factory) -> None:
    empty = factory.partner_app()
    sent = get_raw(client, f"{API}/partner-apps/{empty.code}/manifest", **{"Accept-Encoding": "br"})
    assert sent.status == 200 and sent.coding is None
    assert sent.headers["vary"] == "Accept-Encoding"
    assert not sent.headers["etag"].endswith('-br"')
