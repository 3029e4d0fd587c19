"""The compatibility gate of "Apply to Release" (issue 8, item 6): a run narrowed to a few
cells (``os``, ``networks``, ``devices``) is for iterating and never lets a release apply;
the gate stands on the latest finished run over the partner app's whole matrix on the
current build, whatever the partner app's policy on failing reports. A retest's changes
compare only the cells both runs covered."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from minirelease.partners.defaults import shipped_profile
from minirelease.releases.models import CompatibilityRun
from tests.compat.programs import program
from tests.engines import real_compat_lab  # noqa: F401  (`client` on the real lab)
from tests.factories import Factory
from tests.releases.flow import Scenario, built, problem, scenario

CLEAN = program({})
# Optional chaining: fails where the OS's engine is older than ES2020 (android-8, android-9).
OPTIONAL_CHAINING = program(
    {"pages/index/index.js": "Page({\n  onLoad(query) {\n    this.id = query?.id;\n  },\n});\n"}
)
ONE_PASSING_CELL = {"os": ["android-10"], "networks": ["wifi"], "devices": ["mid"]}


def _run(s: Scenario, release_id: str, narrowed: dict[str, list[str]] | None = None) -> Any:
    """Start a run (over the whole matrix unless ``narrowed``), let it finish, read it."""
    started = s.ok("POST", f"/releases/{release_id}/compatibility-runs", json=narrowed)
    s.run_jobs()
    run = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{started['id']}")
    assert run["status"] == "finished" and s.status(release_id) == "tested"
    return run


def _apply(s: Scenario, release_id: str) -> Any:
    return s.call("POST", f"/releases/{release_id}/apply", json={})


def _refused_as_narrowed(s: Scenario, release_id: str) -> None:
    refused = problem(_apply(s, release_id), 409, "invalid_transition")
    assert refused["reason"] == "compatibility_run_narrowed"
    assert refused["state"] == "tested" and refused["event"] == "apply"
    assert "run Test Compatibility over the whole matrix" in refused["detail"]
    assert s.status(release_id) == "tested"


def test_one_passing_cell_no_longer_gets_past_a_partner_app_refusing_failing_reports(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory, block_on_failing_report=True)
    s.upload("1.0.0", OPTIONAL_CHAINING)
    release_id = built(s, "1.0.0")
    narrow = _run(s, release_id, ONE_PASSING_CELL)
    assert narrow["scope"] == "narrowed" and narrow["summary"]["status"] == "pass"
    assert narrow["progress"] == {"cells_done": 1, "cells_total": 1}
    compatibility = s.ok("GET", f"/releases/{release_id}")["compatibility"]
    assert (compatibility["run_id"], compatibility["scope"]) == (narrow["id"], "narrowed")
    _refused_as_narrowed(s, release_id)  # the bypass: this used to be accepted

    # The whole matrix tells the truth: Android 8 and 9 fail, so the partner app refuses.
    whole = _run(s, release_id)
    assert whole["scope"] == "full" and whole["summary"]["status"] == "fail"
    refused = problem(_apply(s, release_id), 409, "invalid_transition")
    assert refused["reason"] == "compatibility_report_failing"
    # A passing narrowed run after it does not hide the failing whole one.
    assert _run(s, release_id, ONE_PASSING_CELL)["summary"]["status"] == "pass"
    refused = problem(_apply(s, release_id), 409, "invalid_transition")
    assert refused["reason"] == "compatibility_report_failing"
    assert s.status(release_id) == "tested"


def test_a_whole_passing_run_is_accepted_by_a_partner_app_refusing_failing_reports(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory, block_on_failing_report=True)
    s.upload("1.0.0", CLEAN)
    release_id = built(s, "1.0.0")
    assert _run(s, release_id, ONE_PASSING_CELL)["summary"]["status"] == "pass"
    _refused_as_narrowed(s, release_id)
    whole = _run(s, release_id)
    assert whole["summary"]["status"] == "pass" and whole["summary"]["cells"] == 180
    assert _apply(s, release_id).json()["status"] == "in_review"


def test_a_partner_app_accepting_failing_reports_still_needs_a_whole_run(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)  # block_on_failing_report is off by default
    s.upload("1.0.0", OPTIONAL_CHAINING)
    release_id = built(s, "1.0.0")
    _run(s, release_id, {"os": ["android-8", "android-9"]})
    _refused_as_narrowed(s, release_id)
    assert _run(s, release_id)["summary"]["status"] == "fail"
    assert _apply(s, release_id).json()["status"] == "in_review"


def test_the_latest_whole_run_of_the_current_build_counts_and_is_what_reviewers_see(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", OPTIONAL_CHAINING)
    release_id = built(s, "1.0.0")
    older = _run(s, release_id)
    whole = _run(s, release_id)
    narrow = _run(s, release_id, ONE_PASSING_CELL)
    assert s.ok("GET", f"/releases/{release_id}")["compatibility"]["run_id"] == narrow["id"]
    applied = _apply(s, release_id).json()
    assert applied["status"] == "in_review"
    # The release shows the run it applied on: the reviewers judge the whole report.
    assert applied["compatibility"]["run_id"] == whole["id"] != older["id"]
    assert applied["compatibility"]["scope"] == "full"
    seen = s.ok("GET", f"/releases/{release_id}", s.partner_reviewer)["compatibility"]
    assert seen["run_id"] == whole["id"] and seen["summary"]["status"] == "fail"

    # A rebuild makes every run stale: a narrowed run of the new build is not enough.
    s.ok("POST", f"/releases/{release_id}/withdraw")
    s.ok("PUT", f"/releases/{release_id}/configuration", json={"minify_css": False})
    s.run_jobs()
    assert s.status(release_id) == "awaiting_test"
    _run(s, release_id, ONE_PASSING_CELL)
    _refused_as_narrowed(s, release_id)
    rebuilt = _run(s, release_id)
    assert rebuilt["build_number"] == 2
    assert _apply(s, release_id).json()["compatibility"]["run_id"] == rebuilt["id"]


def test_a_narrowing_that_names_every_os_network_and_device_is_whole(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory, block_on_failing_report=True)
    s.upload("1.0.0", CLEAN)
    release_id = built(s, "1.0.0")
    os_versions = shipped_profile("wallet")["os_versions"]
    everything = {
        "os": [f"{platform}-{v}" for platform, versions in os_versions.items() for v in versions],
        "networks": ["wifi", "4g", "3g", "2g", "offline"],
        "devices": ["low", "mid", "high"],
    }
    run = _run(s, release_id, everything)
    assert run["scope"] == "full" and run["summary"]["cells"] == 180
    assert _apply(s, release_id).json()["status"] == "in_review"


def test_runs_started_before_scopes_were_recorded_are_judged_by_their_cells(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    def forget_scope(run_id: str) -> None:
        with session_factory() as session:
            run = session.get(CompatibilityRun, run_id)
            assert run is not None
            matrix = {k: v for k, v in run.matrix.items() if k != "scope"}
            session.execute(
                update(CompatibilityRun).where(CompatibilityRun.id == run_id).values(matrix=matrix)
            )
            session.commit()

    s = scenario(client, factory)
    s.upload("1.0.0", CLEAN)
    release_id = built(s, "1.0.0")
    narrow = _run(s, release_id, ONE_PASSING_CELL)
    forget_scope(narrow["id"])
    assert s.ok("GET", f"/releases/{release_id}")["compatibility"]["scope"] is None
    _refused_as_narrowed(s, release_id)
    whole = _run(s, release_id)
    forget_scope(whole["id"])
    read = s.ok("GET", f"/releases/{release_id}/compatibility-runs/{whole['id']}")
    assert read["scope"] is None
    assert _apply(s, release_id).json()["status"] == "in_review"


def test_a_retest_compares_only_the_cells_both_runs_covered(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0", OPTIONAL_CHAINING)
    release_id = built(s, "1.0.0")
    whole = _run(s, release_id)
    assert [f["rule"] for f in whole["report"]["findings"]] == ["syntax-unsupported"]

    # Narrowed to a cell where the syntax is fine: not "fixed", only not rechecked.
    narrow = _run(s, release_id, ONE_PASSING_CELL)
    changes = narrow["report"]["changes"]
    assert changes["previous_run_id"] == whole["id"]
    assert changes["fixed"] == [] and changes["new"] == [] and changes["cells_changed"] == []
    assert changes["summary"]["not_rechecked"] == 1
    assert changes["summary"]["cells_compared"] == 1
    page = s.call("GET", f"/releases/{release_id}/compatibility-runs/{narrow['id']}/report.html")
    assert "on the 1 cells both runs covered" in page.text

    # Back to the whole matrix: the fault on Android 8 and 9 is not "new" relative to the
    # narrowed run, which never looked there.
    again = _run(s, release_id)
    changes = again["report"]["changes"]
    assert changes["previous_run_id"] == narrow["id"]
    assert changes["new"] == [] and changes["unchanged"] == []
    assert changes["not_compared"] == [again["report"]["findings"][0]["id"]]
    assert changes["summary"]["cells_added"] == 179
