"""The corpus of realistic mini programs (issue 9, "Tests") through the API, as a developer
meets it: each program is uploaded as a version of one mini program (whose whitelists are
the corpus's), released to the partner apps its expectations name, built, tested over the
partner app's default matrix and read back as the report. Its findings must be exactly the
expected ones, in exactly their cells; the precision and recall over the corpus are printed.
Runs on SQLite and on PostgreSQL, like every database test."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.partners.defaults import shipped_profile
from tests.compat.real.corpus import H5_DOMAINS, SERVER_DOMAINS, compare, load_corpus, summary
from tests.engines import real_compat_lab  # noqa: F401  (`client` on the real lab)
from tests.factories import Factory
from tests.miniprograms.test_versions_api import upload
from tests.packages.zips import zip_bytes

API = "/api/v1"
CORPUS = load_corpus()


def test_the_corpus_has_at_least_twenty_programs_each_with_its_files() -> None:
    assert len(CORPUS) >= 20
    for program in CORPUS:
        assert "app.json" in program.files and program.partners, program.name
        for item in program.expected:
            assert item.file is None or item.file in program.files, (program.name, item)


@pytest.mark.slow
def test_every_program_reports_exactly_its_expected_findings(
    client: TestClient, factory: Factory
) -> None:
    started = time.monotonic()
    workspace, owner = factory.workspace()
    mini_program = factory.mini_program(
        workspace, owner, server_domains=list(SERVER_DOMAINS), h5_domains=list(H5_DOMAINS)
    )
    developer = factory.member(workspace, "developer", mini_programs=(mini_program,))
    kinds = sorted({kind for program in CORPUS for kind in program.partners})
    partners = {
        kind: factory.partner_app(capability_profile=shipped_profile(kind)) for kind in kinds
    }

    def ok(method: str, path: str, **kw: Any) -> Any:
        response = client.request(method, f"{API}{path}", headers=developer.headers, **kw)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json() if response.headers["content-type"].endswith("json") else response

    def run_jobs() -> None:
        client.app.state.jobs.run_pending()  # type: ignore[attr-defined]

    # One version per program, every release built in one pass of the job queue, then every
    # compatibility run in another.
    releases: dict[tuple[str, str], str] = {}
    for number, program in enumerate(CORPUS, start=1):
        version = f"1.0.{number}"
        response = upload(
            client,
            mini_program.id,
            zip_bytes(program.files),
            developer.headers,
            version=version,
            description=program.name,
        )
        assert response.status_code == 201, (program.name, response.text)
        for kind in program.partners:
            body = {"version": version, "partner_app": partners[kind].code}
            created = ok("POST", f"/mini-programs/{mini_program.id}/releases", json=body)
            releases[(program.name, kind)] = created["id"]
    run_jobs()
    runs = {
        key: ok("POST", f"/releases/{release_id}/compatibility-runs")["id"]
        for key, release_id in releases.items()
    }
    run_jobs()

    outcomes = []
    for program in CORPUS:
        reports = {}
        for kind in program.partners:
            release_id, run_id = releases[(program.name, kind)], runs[(program.name, kind)]
            run = ok("GET", f"/releases/{release_id}/compatibility-runs/{run_id}")
            assert run["status"] == "finished", (program.name, kind, run["status"])
            reports[kind] = run["report"]
            page = ok("GET", f"/releases/{release_id}/compatibility-runs/{run_id}/report.html")
            for finding in run["report"]["findings"]:
                assert finding["rule"] in page.text
        outcomes.append(compare(program, reports))
    report = summary(outcomes)
    print(f"\n{report}\n({len(runs)} runs in {time.monotonic() - started:.1f} s)")
    assert all(outcome.passed for outcome in outcomes), report
