"""The profiles over HTTP: every authenticated user reads them, platform admins change or
add them (validated, audited), and a run's matrix is built from them, narrowed on request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.audit import AuditEvent
from minirelease.compat.models import CompatProfile
from tests.compat.programs import program
from tests.engines import real_compat_lab  # noqa: F401  (`client` on the real lab)
from tests.factories import Factory
from tests.releases.flow import API, built, problem, scenario

SLOW_2G = {"bandwidth_kbps": 100, "rtt_ms": 1200, "loss": 0.05}
OPTIONAL_CHAINING = program(
    {"pages/index/index.js": "Page({\n  onLoad(query) {\n    this.id = query?.id;\n  },\n});\n"}
)


def _stored(session_factory: sessionmaker[Any]) -> tuple[int, int]:
    with session_factory() as session:
        rows = session.scalar(select(func.count()).select_from(CompatProfile)) or 0
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return rows, events


def test_anyone_signed_in_reads_the_shipped_profiles(client: TestClient, factory: Factory) -> None:
    assert client.get(f"{API}/compat/profiles").status_code == 401
    developer = factory.user()
    listed = client.get(f"{API}/compat/profiles", headers=developer.headers).json()["items"]
    by_kind: dict[str, list[str]] = {}
    for profile in listed:
        by_kind.setdefault(profile["kind"], []).append(profile["name"])
        assert profile["customized"] is False
    assert by_kind["os"][0] == "android-7" and by_kind["os"][-1] == "ios-18"
    assert len(by_kind["os"]) == 16
    assert by_kind["network"] == ["wifi", "4g", "3g", "2g", "offline"]
    assert by_kind["device"] == ["low", "mid", "high"]
    android_10 = next(p for p in listed if p["name"] == "android-10")
    assert android_10["data"]["language_level"] == "ES2020"


def test_only_platform_admins_change_profiles_and_each_change_is_audited(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    url = f"{API}/compat/profiles/network/2g"
    developer, admin = factory.user(), factory.user(platform_admin=True)
    before = _stored(session_factory)
    problem(
        client.put(url, json={"data": SLOW_2G}, headers=developer.headers), 403, "permission_denied"
    )
    assert _stored(session_factory) == before

    changed = client.put(url, json={"data": SLOW_2G}, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"kind": "network", "name": "2g", "data": SLOW_2G, "customized": True}
    listed = client.get(f"{API}/compat/profiles", headers=developer.headers).json()["items"]
    assert next(p for p in listed if p["name"] == "2g")["data"] == SLOW_2G

    added = client.put(
        f"{API}/compat/profiles/os/android-16",
        json={"data": {"language_level": "ES2024", "engine": "WebView 140"}},
        headers=admin.headers,
    )
    assert added.status_code == 200, added.text
    listed = client.get(f"{API}/compat/profiles", headers=developer.headers).json()["items"]
    assert [p["name"] for p in listed if p["kind"] == "os"][8:10] == ["android-15", "android-16"]

    with session_factory() as session:
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "compat_profile.put")
                .order_by(AuditEvent.id)
            )
        )
    assert [(e.target_id, e.actor) for e in events] == [
        ("network/2g", admin.id),
        ("os/android-16", admin.id),
    ]
    assert events[0].before == {"data": {"bandwidth_kbps": 280, "rtt_ms": 800, "loss": 0.02}}
    assert events[0].after == {"data": SLOW_2G}
    assert events[1].before is None


def test_invalid_profiles_are_refused_and_leave_nothing(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    admin = factory.user(platform_admin=True)
    before = _stored(session_factory)
    for path, data, message in [
        ("network/3g", {"bandwidth_kbps": 1600, "rtt_ms": 300, "loss": 1.5}, "data.loss"),
        ("os/android-12", {"language_level": "ES5", "engine": "old"}, "not a language level"),
        ("os/windows-11", {"language_level": "ES2020", "engine": "x"}, "platform and version"),
        ("browser/chrome", {}, "not a profile kind"),
        ("device/low", {"memory_mb": 2048}, "missing key(s) app_memory_mb, screen"),
    ]:
        refused = client.put(
            f"{API}/compat/profiles/{path}", json={"data": data}, headers=admin.headers
        )
        assert message in problem(refused, 422, "validation_error")["detail"]
    refused = client.put(
        f"{API}/compat/profiles/network/3g", json={"data": {}, "extra": 1}, headers=admin.headers
    )
    assert refused.status_code == 422
    assert _stored(session_factory) == before


def test_a_run_can_be_narrowed_and_unknown_names_are_refused(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", OPTIONAL_CHAINING)
    release_id = built(s, "1.0.0")
    url = f"/releases/{release_id}/compatibility-runs"
    for body, message in [
        ({"os": ["android-7"]}, "'android-7' is not supported by partner app"),
        ({"networks": ["5g"]}, "'5g' is not a network"),
        ({"devices": ["tablet", "low"]}, "'tablet' is not a device"),
    ]:
        assert message in problem(s.call("POST", url, json=body), 422, "validation_error")["detail"]
    assert s.status(release_id) == "awaiting_test"  # a refused request changed nothing
    assert s.ok("GET", url)["items"] == []

    started = s.ok(
        "POST",
        url,
        json={"os": ["android-9", "android-10"], "networks": ["2g"], "devices": ["mid"]},
    )
    partner = s.partner
    assert started["matrix"]["cells"] == [
        f"{partner}/android-9/2g/mid",
        f"{partner}/android-10/2g/mid",
    ]
    assert started["progress"] == {"cells_done": 0, "cells_total": 2}
    s.run_jobs()
    run = s.ok("GET", f"{url}/{started['id']}")
    assert run["summary"]["cells"] == 2
    assert [(f["rule"], f["file"], f["line"], f["cells"]) for f in run["report"]["findings"]] == [
        ("syntax-unsupported", "pages/index/index.js", 3, [f"{partner}/android-9/2g/mid"])
    ]
    assert run["summary"] | {"findings_by_rule": None} == {
        "cells": 2,
        "pass": 1,
        "warn": 0,
        "fail": 1,
        "findings": 1,
        "findings_by_rule": None,
        "status": "fail",
    }


def test_a_run_uses_the_profiles_as_an_admin_changed_them(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    changed = s.call(
        "PUT",
        "/compat/profiles/os/android-10",
        s.admin,
        json={"data": {"language_level": "ES2019", "engine": "a pinned old WebView"}},
    )
    assert changed.status_code == 200, changed.text
    s.upload("1.0.0", OPTIONAL_CHAINING)
    release_id = built(s, "1.0.0")
    url = f"/releases/{release_id}/compatibility-runs"
    started = s.ok(
        "POST", url, json={"os": ["android-10"], "networks": ["wifi"], "devices": ["low"]}
    )
    assert started["matrix"]["profiles"]["os"] == {
        "android-10": {"language_level": "ES2019", "engine": "a pinned old WebView"}
    }
    s.run_jobs()
    run = s.ok("GET", f"{url}/{started['id']}")
    assert [f["rule"] for f in run["report"]["findings"]] == ["syntax-unsupported"]
    assert run["report"]["matrix"]["networks"] == ["wifi"]
