"""Test Compatibility on the release page: a run started from the page (whole or narrowed),
its progress polled live, the report embedded (summary, heat map, findings, changes since
the last run), Retest with the last run's narrowing, and View Report with the console's
session (the console's route, and the API's report.html with the session cookie)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, update
from sqlalchemy.orm import sessionmaker

from minirelease.api.deps import CONSOLE_SESSION_COOKIE
from minirelease.releases.models import CompatibilityRun
from minirelease.web.auth import SESSION_COOKIE
from tests.engines import real_compat_lab  # noqa: F401  (`client` on the real lab)
from tests.factories import Actor, Factory
from tests.releases.flow import built
from tests.releases.test_compatibility_api import FAULTY
from tests.web.console import Console
from tests.web.release_pages import Pages, pages, section

# The route's own policy, framing refused by http/security_headers.py.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
ONE_CELL = {"os": ["android-10"], "networks": ["wifi"], "devices": ["mid"]}


def _runs(p: Pages, release_id: str) -> list[dict[str, Any]]:
    return list(p.s.ok("GET", f"/releases/{release_id}/compatibility-runs")["items"])


def _faulty_release(p: Pages) -> str:
    p.s.upload("1.0.0", FAULTY)
    return built(p.s, "1.0.0")


def test_a_run_started_from_the_page_shows_progress_then_its_report(
    client: TestClient,
    factory: Factory,
    console: Callable[[Actor], Console],
    session_factory: sessionmaker[Any],
) -> None:
    p = pages(client, factory, console)
    release_id = _faulty_release(p)
    compat = section(p.page(release_id), "compat")
    assert "No compatibility test yet" in compat and "Test Compatibility</button>" in compat
    assert "Retest" not in compat
    for name in ("android-8", "ios-17", "wifi", "offline", "low", "high"):
        assert f'value="{name}"' in compat  # the partner app's matrix, to narrow it

    started = p.team.post(f"/releases/{release_id}/compatibility-runs")
    assert started.status_code == 303
    assert started.headers["location"] == f"/releases/{release_id}?done=test#compat"
    assert p.status(release_id) == "testing"
    [run] = _runs(p, release_id)
    assert run["scope"] == "full" and run["progress"]["cells_total"] == 180
    html = p.team.get(started.headers["location"]).text
    assert "Compatibility test started." in html
    compat = section(html, "compat")
    assert f'hx-get="/releases/{release_id}/compatibility"' in compat
    assert 'hx-trigger="every 2s"' in compat
    assert '<progress id="compat-progress" max="180" value="0">' in compat
    assert "0 of 180 cells" in compat and "Refresh</a>" in compat
    assert "the partner app's whole matrix" in compat
    assert "Test Compatibility</button>" not in compat  # not while testing

    # Halfway (as the job's progress writer records it), the fragment says so.
    with session_factory() as session:
        session.execute(
            update(CompatibilityRun)
            .where(CompatibilityRun.id == run["id"])
            .values(status="running", cells_done=90)
        )
        session.commit()
    polled = p.team.htmx("GET", f"/releases/{release_id}/compatibility")
    assert polled.text.startswith('<section id="compat"') and "HX-Refresh" not in polled.headers
    assert 'value="90"' in polled.text and "90 of 180 cells (50 %)" in polled.text

    p.s.run_jobs()
    polled = p.team.htmx("GET", f"/releases/{release_id}/compatibility")
    assert polled.headers["HX-Refresh"] == "true" and "every 2s" not in polled.text
    html = p.page(release_id)
    compat = section(html, "compat")
    assert "<progress" not in compat and "badge-finished" in compat
    assert f'href="/releases/{release_id}/compatibility-runs/{run["id"]}/report"' in compat
    assert "View Report</a>" in compat
    # The summary and the heat map: 12 OS versions x (5 networks x 3 devices), all failing.
    assert 'Verdict <span class="badge badge-fail">fail</span>' in compat
    heat = re.search(r'<table class="heat">.*?</table>', compat, re.S)
    assert heat is not None
    assert heat.group(0).count('<th scope="row">') == 12
    assert heat.group(0).count('<th scope="colgroup" colspan="3">') == 5
    assert heat.group(0).count('class="cell fail"') == 180
    assert f'title="{p.s.partner}/android-8/wifi/low: 5 findings"' in heat.group(0)
    # Findings with file:line:column and their messages, escaped.
    for where in ("pages/index/index.axml:2:3", "pages/index/index.js:4:23"):
        assert f'<code class="where">{where}</code>' in compat
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in compat and "<script>alert" not in compat
    assert "all 180 cells" in compat and "This is the first run of this release." in compat
    assert "Apply to Release uses run" in compat
    # The whole-matrix run is what apply needs; the gate is now open (a failing report
    # blocks only where the partner app says so).
    assert "Retest</button>" in compat and "over the whole matrix" in compat


def test_a_narrowed_run_and_its_retest_with_the_changes_since(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    release_id = _faulty_release(p)
    started = p.team.post(f"/releases/{release_id}/compatibility-runs", ONE_CELL)
    assert started.status_code == 303
    [run] = _runs(p, release_id)
    assert run["scope"] == "narrowed" and run["matrix"]["cells"] == [
        f"{p.s.partner}/android-10/wifi/mid"
    ]
    p.s.run_jobs()
    compat = section(p.page(release_id), "compat")
    assert (
        "<strong>narrowed</strong> to OS android-10 · network wifi · device mid (1 of 180 cells)"
        in compat
    )
    assert "No finished run over the partner app's whole matrix on build 1 yet" in compat
    assert compat.count('class="cell fail"') == 1

    retested = p.team.post(f"/releases/{release_id}/compatibility-runs/retest")
    assert retested.status_code == 303
    latest = _runs(p, release_id)[0]
    assert latest["id"] != run["id"] and latest["scope"] == "narrowed"
    assert latest["matrix"]["cells"] == run["matrix"]["cells"]
    p.s.run_jobs()
    compat = section(p.page(release_id), "compat")
    assert "Changes since the last run" in compat
    assert f"Compared with run <code>{run['id']}</code> on the 1 cells both runs covered" in compat
    assert "<dt>Unchanged</dt><dd>5</dd>" in compat and "<dt>New</dt><dd>0</dd>" in compat
    # The runs of the release, newest first, each saying whether it was whole.
    rows = re.findall(r"<tr>\s*<td><code>(run_[^<]+)</code>", compat)
    assert rows == [latest["id"], run["id"]]

    # Narrowed by one dimension only: the others take all of it.
    p.team.post(f"/releases/{release_id}/compatibility-runs", {"networks": ["offline", "wifi"]})
    third = _runs(p, release_id)[0]
    assert third["matrix"]["networks"] == ["wifi", "offline"]
    assert len(third["matrix"]["cells"]) == 12 * 2 * 3


def test_a_refused_start_is_an_error_page(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    release_id = _faulty_release(p)
    unknown = p.team.post(f"/releases/{release_id}/compatibility-runs", {"os": ["android-99"]})
    assert unknown.status_code == 422 and "android-99" in unknown.text
    assert _runs(p, release_id) == [] and p.status(release_id) == "awaiting_test"
    p.team.post(f"/releases/{release_id}/compatibility-runs")
    twice = p.team.htmx("POST", f"/releases/{release_id}/compatibility-runs")
    assert twice.status_code == 409 and twice.headers["HX-Retarget"] == "#alerts"
    assert len(_runs(p, release_id)) == 1


def test_view_report_opens_with_the_console_session(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    release_id = _faulty_release(p)
    p.s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    [run] = _runs(p, release_id)
    console_url = f"/releases/{release_id}/compatibility-runs/{run['id']}/report"
    api_url = f"/api/v1/releases/{release_id}/compatibility-runs/{run['id']}/report.html"
    pending = p.team.get(console_url)
    assert pending.status_code == 202 and "is queued" in pending.text
    p.s.run_jobs()

    page = p.team.get(console_url)
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")
    assert "Compatibility report" in page.text and "pages/index/index.js:4:23" in page.text
    assert page.headers["content-security-policy"] == REPORT_CSP
    assert page.headers["cache-control"] == "no-store"
    # The API's report.html: a bearer token, or the console's session cookie instead.
    assert CONSOLE_SESSION_COOKIE == SESSION_COOKIE
    with_cookie = p.team.get(api_url)
    assert with_cookie.status_code == 200 and with_cookie.text == page.text
    assert with_cookie.headers["content-security-policy"] == REPORT_CSP
    assert client.get(api_url, headers=p.s.developer.headers).text == page.text

    anonymous = TestClient(client.app)
    refused = anonymous.get(api_url)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    anonymous.cookies.set(SESSION_COOKIE, "not-a-session")
    assert anonymous.get(api_url).status_code == 401
    to_sign_in = TestClient(client.app).get(console_url, follow_redirects=False)
    assert to_sign_in.status_code == 303 and to_sign_in.headers["location"].startswith("/login")
    # A bearer token, when sent, is what counts, even beside a valid cookie.
    bad_token = p.team.get(api_url, headers={"Authorization": "Bearer wrong"})
    assert bad_token.status_code == 401

    outsider = console(factory.user())
    assert outsider.get(console_url).status_code == 404
    assert outsider.get(api_url).status_code == 404
    # A signed-out session no longer opens it.
    p.team.post("/logout")
    assert p.team.get(api_url).status_code == 401


def test_the_page_costs_the_same_queries_however_many_runs(
    client: TestClient,
    factory: Factory,
    console: Callable[[Actor], Console],
    connection: Connection,
) -> None:
    p = pages(client, factory, console)
    release_id = _faulty_release(p)
    p.team.post(f"/releases/{release_id}/compatibility-runs")
    p.s.run_jobs()

    def queries() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(connection, "before_cursor_execute", count)
        try:
            p.page(release_id)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        return len(seen)

    one = queries()
    for _ in range(6):
        p.team.post(f"/releases/{release_id}/compatibility-runs/retest")
        p.s.run_jobs()
    assert queries() == one
