"""Review queues and the review sheet in the console."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from minirelease.web.routes import reviews
from tests.factories import Actor, Factory
from tests.releases.flow import Scenario, after_test, released, scenario
from tests.web.console import Console

ConsoleFor = Callable[[Actor], Console]


def _in_review(s: Scenario, version: str) -> str:
    s.upload(version)
    release_id = after_test(s, version)
    s.ok(
        "POST",
        f"/releases/{release_id}/apply",
        json={"basic_info": {"description": "Now with oat milk"}},
    )
    return release_id


def test_home_counts_what_waits_in_each_queue(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    _in_review(s, "1.0.0")
    platform = console(s.platform_reviewer).get("/")
    assert 'href="/reviews?queue=platform"><span class="count">1</span> Platform review' in (
        platform.text
    )
    partner = console(s.partner_reviewer).get("/")
    assert f'href="/reviews?queue={s.partner}"><span class="count">1</span>' in partner.text
    assert "Waiting for your review" not in console(s.developer).get("/").text


def test_queues_list_oldest_first_and_empty_after_the_decision(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    # One release at a time per mini program and partner app: two scenarios.
    s, t = scenario(client, factory), scenario(client, factory)
    first = _in_review(s, "1.0.0")
    second = _in_review(t, "1.0.0")
    page = console(s.platform_reviewer)
    text = page.get("/reviews?queue=platform").text
    assert text.index(f"/reviews/{first}") < text.index(f"/reviews/{second}")
    s.review(first, "platform", "approve")
    text = page.get("/reviews?queue=platform").text
    assert f"/reviews/{first}" not in text and f"/reviews/{second}" in text
    # The partner queue still holds it (each side decides on its own), and only its own.
    partner_text = console(s.partner_reviewer).get(f"/reviews?queue={s.partner}").text
    assert f"/reviews/{first}" in partner_text and f"/reviews/{second}" not in partner_text


def test_queue_pages_walk_every_release_once(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    scenarios = [scenario(client, factory) for _ in range(3)]
    ids = [_in_review(s, "1.0.0") for s in scenarios]
    page = console(scenarios[0].platform_reviewer)
    seen: list[str] = []
    url: str | None = "/reviews?queue=platform"
    original = reviews.PAGE_SIZE
    reviews.PAGE_SIZE = 2
    try:
        while url:
            text = page.get(url).text
            seen += re.findall(r'href="/reviews/(rel_[^"]+)"', text)
            found = re.search(r'href="([^"]+)" rel="next"', text)
            url = found.group(1).replace("&amp;", "&") if found else None
    finally:
        reviews.PAGE_SIZE = original
    assert seen == ids


def test_the_sheet_shows_changes_against_the_online_version(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.ok(
        "PATCH",
        f"/mini-programs/{s.mini_program_id}",
        s.owner,
        json={"server_domains": ["api.example.com", "pay.example.com"]},
    )
    release_id = _in_review(s, "1.1.0")
    text = console(s.partner_reviewer).get(f"/reviews/{release_id}").text
    assert "online now: version 1.0.0" in text
    assert "Now with oat milk" in text  # the changed description, against the old one
    assert '<code>pay.example.com</code> <span class="badge badge-warn">new</span>' in text
    assert "View Report" in text and "sha256" in text
    assert 'value="approve"' in text and 'value="reject"' in text


def test_approve_and_reject_from_the_sheet(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s, "1.0.0")
    platform = console(s.platform_reviewer)
    refused = platform.post(f"/reviews/{release_id}", {"side": "platform", "decision": "reject"})
    assert refused.status_code == 422 and "needs a comment" in refused.text
    assert s.ok("GET", f"/releases/{release_id}")["reviews"]["platform"]["decision"] is None
    done = platform.post(
        f"/reviews/{release_id}",
        {"side": "platform", "decision": "reject", "comment": "Icon is blurry"},
    )
    assert done.status_code == 303
    assert s.status(release_id) == "rejected"
    assert "Icon is blurry" in platform.get(f"/reviews/{release_id}").text


def test_a_reviewer_decides_only_their_own_side(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s, "1.0.0")
    partner = console(s.partner_reviewer)
    sheet = partner.get(f"/reviews/{release_id}").text
    assert 'name="side" value="partner"' in sheet and 'value="platform"' not in sheet
    forged = partner.post(f"/reviews/{release_id}", {"side": "platform", "decision": "approve"})
    assert forged.status_code == 403
    assert s.ok("GET", f"/releases/{release_id}")["reviews"]["platform"]["decision"] is None


def test_outsiders_and_other_partner_apps_reviewers_get_404(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    release_id = _in_review(s, "1.0.0")
    other_reviewer = factory.partner_reviewer(factory.partner_app())
    for actor in (factory.user(), other_reviewer):
        page = console(actor)
        assert page.get(f"/reviews/{release_id}").status_code == 404
        refused = page.post(f"/reviews/{release_id}", {"side": "partner", "decision": "approve"})
        assert refused.status_code == 404
        assert f"/reviews/{release_id}" not in page.get("/reviews").text


def test_before_apply_reviewers_cannot_see_the_release(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    assert console(s.platform_reviewer).get(f"/reviews/{release_id}").status_code == 404


def test_removal_requests_wait_in_the_partner_reviewers_queue(
    client: TestClient, factory: Factory, console: ConsoleFor
) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    s.ok(
        "POST",
        f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}/removal",
        s.owner,
        json={"reason": "Shop closed"},
    )
    text = console(s.partner_reviewer).get("/reviews").text
    assert "Removal requests" in text and "Shop closed" in text
    assert f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}" in text
    assert "Removal requests" not in console(s.platform_reviewer).get("/reviews").text
