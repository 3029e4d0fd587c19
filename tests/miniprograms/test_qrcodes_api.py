"""QR codes over HTTP (design §9, issue 8 item 4), on releases driven through the real
release process: the image and its headers, the deep link read back from the PNG, and
the refusals each caller gets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.factories import Actor, Factory
from tests.miniprograms.qrdecode import decode_png
from tests.packages.zips import WITH_SUBPACKAGES, project
from tests.releases.flow import Scenario, after_test, built, problem, released, scenario

TEMPLATE = "wallet://mini?appId={app_id}&page={page}&query={query}"


def _qr(s: Scenario, who: Actor | None = None, **body: Any) -> Any:
    payload = {"kind": "promo", "partner_app": s.partner, "format": "png"} | body
    return s.call("POST", f"/mini-programs/{s.mini_program_id}/qrcodes", who, json=payload)


def _launch_query(link: str) -> dict[str, list[str]]:
    outer = parse_qs(urlsplit(link).query)
    return parse_qs(outer["query"][0]) if "query" in outer else {}


@pytest.fixture
def s(client: TestClient, factory: Factory) -> Scenario:
    return scenario(client, factory, deep_link_template=TEMPLATE)


def test_a_promo_code_of_the_online_version_holds_its_deep_link(s: Scenario) -> None:
    problem(_qr(s), 404, "not_released")
    release_id = released(s, "1.0.0")

    response = _qr(s, page="pages/index/index", query="from=poster")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == (
        f'inline; filename="{s.app_id}-{s.partner}-promo.png"'
    )
    link = response.headers["x-deep-link"]
    assert link == (
        f"wallet://mini?appId={s.app_id}&page=pages%2Findex%2Findex&query=from%3Dposter"
    )
    assert decode_png(response.content) == [link]
    assert release_id not in link


def test_preview_and_trial_codes_open_the_built_release(s: Scenario) -> None:
    s.upload("1.0.0", project(WITH_SUBPACKAGES))
    problem(_qr(s, kind="preview"), 409, "conflict")  # nothing built yet
    release_id = built(s, "1.0.0")
    for kind in ("preview", "trial"):
        response = _qr(s, kind=kind, page="shop/pages/cart/cart", release_id=release_id)
        assert response.status_code == 200, response.text
        link = response.headers["x-deep-link"]
        assert decode_png(response.content) == [link]
        assert "&page=shop%2Fpages%2Fcart%2Fcart&" in link
        assert _launch_query(link) == {
            "mr_kind": [kind],
            "mr_release": [release_id],
            "mr_version": ["1.0.0"],
        }
    svg = _qr(s, kind="trial", format="svg")
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["content-disposition"].endswith('-trial.svg"')
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"


def test_page_and_query_are_checked_and_named(s: Scenario) -> None:
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    for body, field in [
        ({"page": "p" * 257}, "page"),
        ({"page": "pages/missing/missing"}, "page"),
        ({"query": "q=" + "x" * 63}, "query"),
        ({"query": "mr_release=x"}, "query"),
        ({"kind": "promo", "release_id": release_id}, "release_id"),
    ]:
        refused = problem(_qr(s, **{"kind": "preview", **body}), 422, "validation_error")
        assert refused["field"] == field, refused
    for body in ({"kind": "poster"}, {"format": "gif"}, {"page": 7}, {"extra": 1}):
        problem(_qr(s, **{"kind": "preview", **body}), 422, "validation_error")
    assert _qr(s, kind="preview", query="q=" + "x" * 62).status_code == 200


def test_who_gets_which_code(s: Scenario, factory: Factory) -> None:
    tester, outsider = factory.user(), factory.user()
    s.ok(
        "PATCH",
        f"/mini-programs/{s.mini_program_id}",
        s.owner,
        json={"tester_user_ids": [tester.id]},
    )
    s.upload("1.0.0")
    first = after_test(s, "1.0.0")

    # Before review: the team, admins and testers; reviewers do not see it yet.
    for who in (s.owner, s.developer, s.admin, tester):
        for kind in ("preview", "trial"):
            assert _qr(s, who, kind=kind).status_code == 200
        problem(_qr(s, who), 404, "not_released")
    for who in (outsider, s.platform_reviewer, s.partner_reviewer):
        for kind in ("promo", "preview", "trial"):
            problem(_qr(s, who, kind=kind), 404, "not_found")
        problem(_qr(s, who, kind="trial", release_id=first), 404, "not_found")

    # Under review, the reviewers may open it too, and nothing is online for anyone.
    s.ok("POST", f"/releases/{first}/apply", json={})
    for who in (s.platform_reviewer, s.partner_reviewer):
        response = _qr(s, who, kind="preview")
        assert response.status_code == 200, response.text
        assert _launch_query(response.headers["x-deep-link"])["mr_release"] == [first]
        problem(_qr(s, who), 404, "not_released")
    problem(_qr(s, outsider, kind="preview"), 404, "not_found")
    problem(_qr(s, outsider, partner_app="no-such-app"), 404, "not_found")
    problem(_qr(s, s.owner, partner_app="no-such-app"), 404, "not_found")


def test_issuing_codes_is_in_the_audit_log(s: Scenario) -> None:
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    assert _qr(s, kind="trial", query="a=1").status_code == 200
    events = s.ok("GET", "/audit", s.owner, params={"mini_program_id": s.mini_program_id})
    event = next(e for e in events["items"] if e["action"] == "qrcode.create")
    assert event["release_id"] == release_id
    assert event["after"]["kind"] == "trial"
    assert event["after"]["query"] == "a=1"
