"""The release page: who sees it, its step bar, the build updating live with its log, and
View Configuration (saving rebuilds)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from minirelease.releases.state import Status
from minirelease.web.routes.release_steps import STEPS, steps_for
from tests.factories import Actor, Factory
from tests.releases.flow import after_test
from tests.web.console import Console
from tests.web.release_pages import current_step, done_steps, pages, section

NEW, TESTING, REVIEW, PREPARATION, ROLLOUT = STEPS
EXPECTED_STEP = {
    Status.BUILDING: NEW,
    Status.BUILD_FAILED: NEW,
    Status.AWAITING_TEST: TESTING,
    Status.TESTING: TESTING,
    Status.TESTED: TESTING,
    Status.IN_REVIEW: REVIEW,
    Status.REJECTED: REVIEW,
    Status.APPROVED: PREPARATION,
    Status.PILOT: PREPARATION,
    Status.GRAYSCALE: ROLLOUT,
    Status.RELEASED: ROLLOUT,
    Status.ARCHIVED: ROLLOUT,
    Status.ROLLED_BACK: ROLLOUT,
}


@pytest.mark.parametrize("status", list(Status))
def test_every_status_is_at_one_step_with_the_steps_before_it_done(status: Status) -> None:
    steps = steps_for(status)
    assert [step.label for step in steps] == list(STEPS)
    current = [step.label for step in steps if step.state == "current"]
    if status == Status.CANCELED:
        assert current == [] and not any(step.done for step in steps)
        return
    assert current == [EXPECTED_STEP[status]]
    at = STEPS.index(EXPECTED_STEP[status])
    assert [step.state for step in steps] == ["done"] * at + ["current"] + ["todo"] * (4 - at)
    finished = status in (Status.RELEASED, Status.ARCHIVED, Status.ROLLED_BACK)
    assert [step.done for step in steps] == [True] * at + [finished] + [False] * (4 - at)


def test_the_team_follows_the_build_on_the_page(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = p.s.release("1.0.0")
    html = p.page(release_id)
    assert 'aria-label="Breadcrumb"' in html
    assert ">Home</a>" in html and ">Acme</a>" in html  # the factory's workspace
    assert f'href="/mini-programs/{p.s.mini_program_id}"' in html
    assert current_step(html) == NEW and done_steps(html) == []
    build = section(html, "build")
    assert 'hx-trigger="every 2s"' in build and f'hx-get="/releases/{release_id}/build"' in build
    assert "Refresh</a>" in build and "badge-queued" in build
    assert "sha256" not in build

    p.s.run_jobs()
    html = p.page(release_id)
    assert current_step(html) == TESTING and done_steps(html) == [NEW]
    build = section(html, "build")
    read = p.s.ok("GET", f"/releases/{release_id}")["build"]
    assert "hx-trigger" not in build and "Refresh</a>" not in build
    assert "badge-succeeded" in build and read["sha256"] in build
    assert f"({read['size']} bytes)" in build
    assert "Build log" in build and read["log"][0] in build


def test_the_build_fragment_polls_until_the_build_is_finished(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = p.s.release("1.0.0")
    polled = p.team.htmx("GET", f"/releases/{release_id}/build")
    assert polled.status_code == 200 and "HX-Refresh" not in polled.headers
    assert polled.text.startswith('<section id="build"') and "every 2s" in polled.text
    assert "<html" not in polled.text

    p.s.run_jobs()
    finished = p.team.get(f"/releases/{release_id}/build")
    assert "hx-trigger" not in finished.text and "badge-succeeded" in finished.text
    # A poll that finds it finished reloads the page: the steps and buttons moved too.
    polled = p.team.htmx("GET", f"/releases/{release_id}/build")
    assert polled.headers["HX-Refresh"] == "true"
    assert polled.headers["cache-control"] == "no-store"


def test_who_sees_the_page(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = after_test(p.s, "1.0.0")
    reviewer = console(p.s.platform_reviewer)
    partner_reviewer = console(p.s.partner_reviewer)
    outsider = console(factory.user())
    for who in (reviewer, partner_reviewer, outsider):
        assert who.get(f"/releases/{release_id}").status_code == 404
    assert outsider.get(f"/releases/{release_id}/build").status_code == 404
    assert outsider.get("/releases/rel_missing").status_code == 404
    signed_out = TestClient(client.app).get(f"/releases/{release_id}", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/login?next=/releases/{release_id}"

    p.s.ok("POST", f"/releases/{release_id}/apply", json={})
    for who in (reviewer, partner_reviewer):
        html = p.page(release_id, who)
        assert current_step(html) == REVIEW
        # Reviewers read; they take none of the team's actions.
        assert "<button" not in section(html, "compat").replace("Sign out", "")
        assert "Withdraw</button>" not in html and 'action="/releases/' not in section(
            html, "apply"
        )
        assert f'href="/mini-programs/{p.s.mini_program_id}"' not in html.split("<h1")[0]
    assert outsider.get(f"/releases/{release_id}").status_code == 404
    assert "Withdraw</button>" in p.page(release_id)


def test_view_configuration_saves_and_rebuilds(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = p.s.release("1.0.0")
    p.s.run_jobs()
    configuration = section(p.page(release_id), "configuration")
    assert (
        "View Configuration" in configuration and "rebuilds the package (build 2)" in configuration
    )
    assert 'name="minify_js" value="on" checked' in configuration
    assert 'name="source_maps" value="on">' in configuration  # off by default
    assert 'value="2.9.0"' in configuration and "<fieldset>" in configuration

    saved = p.team.post(
        f"/releases/{release_id}/configuration",
        {"minify_js": "on", "base_library_version": "3.1.0", "source_maps": "on"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/releases/{release_id}?done=configuration#build"
    read = p.s.ok("GET", f"/releases/{release_id}")
    assert read["build"]["number"] == 2 and read["status"] == "building"
    assert read["configuration"] == {
        "minify_js": True,
        "minify_css": False,  # not sent: an unticked box
        "base_library_version": "3.1.0",
        "source_maps": True,
    }
    html = p.team.get(saved.headers["location"]).text
    assert "the package is being rebuilt" in html and "Build 2" in html
    assert "every 2s" in section(html, "build")
    # While it builds, the configuration cannot change: the form is shown disabled.
    assert "<fieldset disabled>" in section(html, "configuration")

    p.s.run_jobs()
    same = p.team.post(
        f"/releases/{release_id}/configuration",
        {"minify_js": "on", "base_library_version": "3.1.0", "source_maps": "on"},
    )
    assert same.headers["location"].endswith("?done=unchanged#build")
    assert p.s.ok("GET", f"/releases/{release_id}")["build"]["number"] == 2


def test_a_refused_configuration_is_shown_on_the_form_and_changes_nothing(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = p.s.release("1.0.0")
    p.s.run_jobs()
    refused = p.team.post(f"/releases/{release_id}/configuration", {"base_library_version": "3.1"})
    assert refused.status_code == 422
    configuration = section(refused.text, "configuration")
    assert "<details open>" in configuration and 'aria-invalid="true"' in configuration
    assert "is not a version like" in configuration and 'value="3.1"' in configuration
    assert 'name="minify_js" value="on">' in configuration  # as sent: unticked
    assert p.s.ok("GET", f"/releases/{release_id}")["build"]["number"] == 1

    # The server decides, whatever the page offered: not while testing, not by a reviewer.
    p.s.ok("POST", f"/releases/{release_id}/compatibility-runs")
    busy = p.team.post(f"/releases/{release_id}/configuration", {"base_library_version": "3.0.0"})
    assert busy.status_code == 409 and "text/html" in busy.headers["content-type"]
    p.s.run_jobs()
    p.s.ok("POST", f"/releases/{release_id}/apply", json={})
    reviewer = console(p.s.platform_reviewer)
    denied = reviewer.post(
        f"/releases/{release_id}/configuration", {"base_library_version": "3.0.0"}
    )
    assert denied.status_code == 403
    assert p.s.ok("GET", f"/releases/{release_id}")["build"]["number"] == 1


def test_actions_need_the_csrf_token(
    client: TestClient, factory: Factory, console: Callable[[Actor], Console]
) -> None:
    p = pages(client, factory, console)
    p.s.upload("1.0.0")
    release_id = p.s.release("1.0.0")
    p.s.run_jobs()
    forged = p.team.client.post(
        f"/releases/{release_id}/configuration",
        data={"base_library_version": "3.0.0"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert p.s.ok("GET", f"/releases/{release_id}")["build"]["number"] == 1
