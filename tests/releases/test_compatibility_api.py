"""The compatibility step over HTTP (issue 3, item 3; design §5): a run over the partner
app's matrix stores its report (JSON at the run's URL, HTML at report.html), apply waits for
a finished run on the current build, a failing report blocks apply only where the partner
app says so, and reviewers see the result."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from minirelease.config import Settings
from minirelease.jobs import Job
from minirelease.storage.local import LocalBlobStore
from tests.compat.programs import program
from tests.engines import real_compat_lab  # noqa: F401  (`client` on the real lab)
from tests.factories import Factory
from tests.releases.flow import Scenario, after_test, built, problem, scenario

# One of each fault the static rules find, at known places. The package is built with the
# default configuration (JS minified), yet findings point at the lines written here.
FAULTY = program(
    {
        "pages/index/index.js": """
            Page({
              onLoad() {
                my.ap.openSomething({});
                my.request({ url: 'https://evil.example.net/<script>alert(1)</script>' });
                my.request({ url: 'http://api.example.com/data' });
                my.navigateTo({ url: '/pages/nowhere/nowhere' });
                if (my.canIUse('scan2')) { my.scan2(); }
                my.navigateTo({ url: '/pages/detail/detail' });
              },
            });
        """,
        "pages/index/index.axml": """
            <view>
              <video src="a.mp4"></video>
              <navigator url="/pages/detail/detail">ok</navigator>
            </view>
        """,
    }
)
EXPECTED = [
    ("component-unsupported", "pages/index/index.axml", 2, 3),
    ("domain-not-whitelisted", "pages/index/index.js", 4, 23),
    ("insecure-url", "pages/index/index.js", 5, 23),
    ("jsapi-unsupported", "pages/index/index.js", 3, 5),
    ("page-missing", "pages/index/index.js", 6, 26),
]
CLEAN = program({})


def _run(s: Scenario, release_id: str) -> dict[str, Any]:
    """Start a run, let it finish, and read it back."""
    started = s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    assert started["status"] == "queued" and started["report"] is None
    s.run_jobs()
    return dict(s.ok("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}"))


def test_a_run_stores_a_report_of_every_planted_fault(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", FAULTY)
    release_id = built(s, "1.0.0")
    release = s.ok("GET", f"/releases/{release_id}")
    started = s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    cells = started["matrix"]["cells"]
    # The partner app's 12 OS versions x 5 networks x 3 devices.
    assert cells[0] == f"{s.partner}/android-8/wifi/low" and len(cells) == 180
    assert started["progress"] == {"cells_done": 0, "cells_total": 180}
    assert started["package_sha256"] == release["build"]["sha256"]
    assert s.status(release_id) == "testing"
    s.run_jobs()
    run = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}")
    assert run["status"] == "finished" and run["finished_at"] is not None
    assert run["progress"] == {"cells_done": 180, "cells_total": 180}

    report = run["report"]
    assert report["run_id"] == run["id"]
    assert report["package_sha256"] == release["build"]["sha256"]
    assert report["matrix"]["cells"] == cells
    findings = report["findings"]
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in findings] == EXPECTED
    assert all(f["severity"] == "fail" and f["cells"] == cells for f in findings)
    assert (
        "evil.example.net is not on the mini program's server domain whitelist"
        in (findings[1]["message"])
    )
    assert "my.ap.openSomething is not offered" in findings[3]["message"]
    assert "scan2" not in str(findings)  # guarded by my.canIUse
    ids = [f["id"] for f in findings]
    assert [cell["id"] for cell in report["cells"]] == cells
    for cell in report["cells"]:
        assert cell["status"] == "fail" and cell["findings"] == ids
        assert cell["platform"] in ("android", "ios")
        assert cell["id"] == "/".join(
            [s.partner, f"{cell['platform']}-{cell['os_version']}", cell["network"], cell["device"]]
        )
    assert run["summary"] == report["summary"]
    assert run["summary"] | {"findings_by_rule": None} == {
        "cells": 180,
        "pass": 0,
        "warn": 0,
        "fail": 180,
        "findings": 5,
        "findings_by_rule": None,
        "status": "fail",
    }
    assert run["summary"]["findings_by_rule"] == {rule: 1 for rule, *_ in EXPECTED}

    after = s.ok("GET", f"/releases/{release_id}")
    assert after["status"] == "tested"
    assert after["compatibility"] == {
        "run_id": run["id"],
        "status": "finished",
        "scope": "full",  # nothing narrowed: the partner app's whole matrix
        "summary": run["summary"],
    }
    assert run["scope"] == started["scope"] == "full"
    listed = s.ok("GET", f"/releases/{release_id}/compatibility-runs")["items"]
    assert [r["id"] for r in listed] == [run["id"]]


def test_a_clean_package_passes_in_every_cell(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", CLEAN)
    run = _run(s, built(s, "1.0.0"))
    assert run["report"]["findings"] == []
    assert {cell["status"] for cell in run["report"]["cells"]} == {"pass"}
    assert run["summary"]["status"] == "pass" and run["summary"]["pass"] == 180


def test_the_html_report_escapes_what_the_package_contains(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", FAULTY)
    release_id = built(s, "1.0.0")
    started = s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    url = f"/releases/{release_id}/compatibility-runs/{started['id']}/report.html"
    pending = s.call("GET", url)
    assert pending.status_code == 202 and "queued" in pending.text
    s.run_jobs()
    page = s.call("GET", url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    html = page.text
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for rule, file, line, column in EXPECTED:
        assert rule in html and f"{file}:{line}:{column}" in html
    assert "my.ap.openSomething" in html


def test_a_retest_after_changing_the_whitelist_clears_the_domain_finding(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", FAULTY)
    release_id = built(s, "1.0.0")
    first = _run(s, release_id)
    s.ok(
        "PATCH",
        f"/mini-programs/{s.mini_program_id}",
        json={"server_domains": ["api.example.com", "evil.example.net"]},
    )
    second = _run(s, release_id)
    assert second["id"] != first["id"] and second["build_number"] == first["build_number"]
    rules = [f["rule"] for f in second["report"]["findings"]]
    assert "domain-not-whitelisted" not in rules and len(rules) == 4
    assert s.ok("GET", f"/releases/{release_id}")["compatibility"]["run_id"] == second["id"]
    listed = s.ok("GET", f"/releases/{release_id}/compatibility-runs")["items"]
    assert [r["id"] for r in listed] == [second["id"], first["id"]]
    # The first report stays as it was.
    kept = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{first['id']}")
    assert kept["report"] == first["report"]
    # The retest says what changed since the first run.
    assert first["report"]["changes"] is None
    changes = second["report"]["changes"]
    assert changes["previous_run_id"] == first["id"]
    assert [f["rule"] for f in changes["fixed"]] == ["domain-not-whitelisted"]
    assert changes["new"] == [] and len(changes["unchanged"]) == 4
    page = s.call("GET", f"/releases/{release_id}/compatibility-runs/{second['id']}/report.html")
    assert "Since the previous run" in page.text and f"compared with run {first['id']}" in page.text


def test_apply_waits_for_a_finished_run_on_the_current_build(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = s.release("1.0.0")
    problem(s.call("POST", f"/releases/{release_id}/apply", json={}), 409, "invalid_transition")
    s.run_jobs()
    refused = problem(s.call("POST", f"/releases/{release_id}/apply"), 409, "invalid_transition")
    assert refused["state"] == "awaiting_test" and refused["event"] == "apply"
    s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    problem(s.call("POST", f"/releases/{release_id}/apply"), 409, "invalid_transition")
    # A second run cannot start while one is running.
    problem(s.call("POST", f"/releases/{release_id}/compatibility-runs"), 409, "invalid_transition")
    s.run_jobs()
    assert s.status(release_id) == "tested"

    # A rebuild makes the report stale: no apply until the new build is tested.
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_css": False})
    problem(s.call("POST", f"/releases/{release_id}/apply"), 409, "invalid_transition")
    s.run_jobs()
    stale = s.ok("GET", f"/releases/{release_id}")
    assert stale["status"] == "awaiting_test" and stale["build"]["number"] == 2
    problem(s.call("POST", f"/releases/{release_id}/apply"), 409, "invalid_transition")
    run = _run(s, release_id)
    assert run["build_number"] == 2 and run["package_sha256"] == stale["build"]["sha256"]
    assert s.ok("POST", f"/releases/{release_id}/apply", json={})["status"] == "in_review"


def test_a_run_that_fails_to_finish_does_not_allow_apply(
    client: TestClient,
    factory: Factory,
    session_factory: sessionmaker[Any],
    settings: Settings,
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    sha256 = s.ok("GET", f"/releases/{release_id}")["build"]["sha256"]
    started = s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    # The built package vanished and no retry is left: the run fails for good.
    LocalBlobStore(settings.blob_dir).path(sha256).unlink()
    with session_factory() as session:
        session.execute(update(Job).where(Job.subject_id == started["id"]).values(max_attempts=1))
        session.commit()
    s.run_jobs()
    run = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}")
    assert run["status"] == "failed" and run["error"] and run["report"] is None
    page = s.call("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}/report.html")
    problem(page, 404, "not_found")  # not 202: nothing will come
    release = s.ok("GET", f"/releases/{release_id}")
    assert release["status"] == "tested" and release["compatibility"]["status"] == "failed"
    refused = problem(s.call("POST", f"/releases/{release_id}/apply"), 409, "invalid_transition")
    assert refused["detail"] == (
        "apply needs a finished compatibility run on the current build: "
        "run Test Compatibility over the partner app's whole matrix"
    )
    assert refused["reason"] == "compatibility_run_missing"
    assert s.status(release_id) == "tested"


def test_a_failing_report_does_not_block_apply_by_default(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", FAULTY)
    release_id = after_test(s, "1.0.0")
    assert s.ok("GET", f"/releases/{release_id}")["compatibility"]["summary"]["status"] == "fail"
    assert s.ok("POST", f"/releases/{release_id}/apply", json={})["status"] == "in_review"


def test_a_failing_report_blocks_apply_where_the_partner_app_says_so(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory, block_on_failing_report=True)
    s.upload("1.0.0", FAULTY)
    release_id = after_test(s, "1.0.0")
    refused = problem(
        s.call("POST", f"/releases/{release_id}/apply", json={}), 409, "invalid_transition"
    )
    assert "does not accept releases whose compatibility report fails" in refused["detail"]
    assert s.status(release_id) == "tested"

    # The platform admin relaxes the policy: the same report may now be applied.
    s.ok("PATCH", f"/partner-apps/{s.partner}", s.admin, json={"block_on_failing_report": False})
    assert s.ok("POST", f"/releases/{release_id}/apply", json={})["status"] == "in_review"


def test_a_fixed_version_passes_a_blocking_partner_app(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory, block_on_failing_report=True)
    s.upload("1.0.0", FAULTY)
    failing = after_test(s, "1.0.0")
    problem(s.call("POST", f"/releases/{failing}/apply", json={}), 409, "invalid_transition")
    s.ok("POST", f"/releases/{failing}/cancel")
    s.upload("1.0.1", CLEAN)
    fixed = after_test(s, "1.0.1")
    assert s.ok("GET", f"/releases/{fixed}")["compatibility"]["summary"]["status"] == "pass"
    assert s.ok("POST", f"/releases/{fixed}/apply", json={})["status"] == "in_review"


def test_reviewers_see_the_compatibility_result_once_applied(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", FAULTY)
    release_id = after_test(s, "1.0.0")
    run_id = s.ok("GET", f"/releases/{release_id}")["compatibility"]["run_id"]
    run_url = f"/releases/{release_id}/compatibility-runs/{run_id}"
    for reviewer in (s.platform_reviewer, s.partner_reviewer):
        problem(s.call("GET", f"/releases/{release_id}", reviewer), 404, "not_found")
        problem(s.call("GET", run_url, reviewer), 404, "not_found")
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    for reviewer in (s.platform_reviewer, s.partner_reviewer):
        seen = s.ok("GET", f"/releases/{release_id}", reviewer)["compatibility"]
        assert seen["run_id"] == run_id and seen["summary"]["status"] == "fail"
        assert seen["summary"]["findings"] == 5
        assert len(s.ok("GET", run_url, reviewer)["report"]["findings"]) == 5
        assert s.call("GET", f"{run_url}/report.html", reviewer).status_code == 200
        runs = s.ok("GET", f"/releases/{release_id}/compatibility-runs", reviewer)["items"]
        assert [r["id"] for r in runs] == [run_id]


def test_a_run_is_found_only_under_its_own_release(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    first = after_test(s, "1.0.0")
    second = built(s, "1.0.0")
    run_id = s.ok("GET", f"/releases/{first}")["compatibility"]["run_id"]
    problem(s.call("GET", f"/releases/{second}/compatibility-runs/{run_id}"), 404, "not_found")
    problem(
        s.call("GET", f"/releases/{second}/compatibility-runs/{run_id}/report.html"),
        404,
        "not_found",
    )
    problem(s.call("GET", f"/releases/{first}/compatibility-runs/run_nope"), 404, "not_found")


def test_cancel_while_testing_settles_the_run(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    started = s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    canceled = s.ok("POST", f"/releases/{release_id}/cancel")
    assert canceled["build"]["status"] == "succeeded"  # the finished build stays as it was
    assert canceled["compatibility"]["status"] == "canceled"
    s.run_jobs()  # the queued run finds the release canceled and stops
    run = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}")
    assert run["status"] == "canceled" and run["report"] is None and run["finished_at"]
    page = s.call("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}/report.html")
    assert "canceled without a report" in problem(page, 404, "not_found")["detail"]
