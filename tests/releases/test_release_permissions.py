"""Who may do what in the release process (issue 3; design §2): every release and listing
endpoint against every kind of caller, with the release in a state where the action is
allowed, so that the answer depends on the caller alone.

Owners, masters and the developers assigned to the mini program run the release process;
unassigned developers and outsiders cannot see it (404). Platform reviewers see a release
only once it was applied and decide only its platform side; partner reviewers only
releases to their own partner app, only the partner side, and removals from that app.
Platform admins read everything and may force a removal, nothing else. Without credentials:
401. A refusal changes nothing; the launch, package and signing key endpoints are public."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from minirelease.miniprograms.models import MiniProgram
from minirelease.workspaces.models import Workspace
from tests.factories import Actor, Factory
from tests.releases.flow import (
    API,
    Scenario,
    after_test,
    built,
    grayscale,
    problem,
    released,
    scenario,
)

CALLERS = (
    "anonymous",
    "outsider",
    "owner",
    "master",
    "developer",
    "other_developer",
    "platform_reviewer",
    "partner_reviewer",
    "other_partner_reviewer",
    "platform_admin",
)
REFUSAL_CODES = {401: "unauthenticated", 403: "permission_denied", 404: "not_found"}


@dataclass
class Cast:
    s: Scenario
    actors: dict[str, Actor | None]


def _cast(client: TestClient, factory: Factory, session_factory: sessionmaker[Any]) -> Cast:
    s = scenario(client, factory)
    with session_factory() as session:
        mp = session.get(MiniProgram, s.mini_program_id)
        assert mp is not None
        workspace = session.get(Workspace, mp.workspace_id)
        assert workspace is not None
    actors: dict[str, Actor | None] = {
        "anonymous": None,
        "outsider": factory.user(),
        "owner": s.owner,
        "master": factory.member(workspace, "master"),
        "developer": s.developer,
        "other_developer": factory.member(workspace, "developer"),
        "platform_reviewer": s.platform_reviewer,
        "partner_reviewer": s.partner_reviewer,
        "other_partner_reviewer": factory.partner_reviewer(factory.partner_app()),
        "platform_admin": s.admin,
    }
    return Cast(s, actors)


def expect(ok: int, **overrides: int) -> dict[str, int]:
    """The release team succeeds with ``ok``; nobody else sees anything unless overridden."""
    base = {caller: 404 for caller in CALLERS}
    base.update(anonymous=401, owner=ok, master=ok, developer=ok)
    base.update(overrides)
    return base


# A release not yet applied: the team acts, the platform admin reads, reviewers see nothing.
MANAGE_BEFORE_APPLY = {"platform_admin": 403}
READ_BEFORE_APPLY = {"platform_admin": 200}
# Applied: both reviewers see it and may read, but not act.
MANAGE_AFTER_APPLY = {"platform_admin": 403, "platform_reviewer": 403, "partner_reviewer": 403}
READ_AFTER_APPLY = {"platform_admin": 200, "platform_reviewer": 200, "partner_reviewer": 200}
# A reviewer's decision: the release team and the admin see the release but may not decide.
DECIDE = {"owner": 403, "master": 403, "developer": 403, "platform_admin": 403}


# States -----------------------------------------------------------------------------------


def _uploaded(s: Scenario) -> dict[str, str]:
    s.upload("1.0.0")
    return {}


def _awaiting_test(s: Scenario) -> dict[str, str]:
    s.upload("1.0.0")
    return {"release": built(s, "1.0.0")}


def _tested(s: Scenario) -> dict[str, str]:
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    run_id = s.ok("GET", f"/releases/{release_id}")["compatibility"]["run_id"]
    return {"release": release_id, "run": run_id}


def _in_review(s: Scenario) -> dict[str, str]:
    ids = _tested(s)
    s.ok("POST", f"/releases/{ids['release']}/apply", json={})
    return ids


def _approved(s: Scenario) -> dict[str, str]:
    s.upload("1.0.0")
    return {"release": s.approved("1.0.0")}


def _approved_next_to_online(s: Scenario) -> dict[str, str]:
    released(s, "0.9.0")
    s.upload("1.0.0")
    return {"release": s.approved("1.0.0")}


def _pilot(s: Scenario) -> dict[str, str]:
    ids = _approved(s)
    s.ok("POST", f"/releases/{ids['release']}/pilot", json={"tester_user_ids": ["qa"]})
    return ids


def _grayscale(s: Scenario) -> dict[str, str]:
    released(s, "0.9.0")
    return {"release": grayscale(s, "1.0.0", 10)}


def _paused(s: Scenario) -> dict[str, str]:
    ids = _grayscale(s)
    s.ok("POST", f"/releases/{ids['release']}/pause")
    return ids


def _two_released(s: Scenario) -> dict[str, str]:
    released(s, "0.9.0")
    return {"release": released(s, "1.0.0")}


def _online(s: Scenario) -> dict[str, str]:
    return {"release": released(s, "1.0.0")}


def _removal_requested(s: Scenario) -> dict[str, str]:
    ids = _online(s)
    pair = f"/mini-programs/{s.mini_program_id}/partner-apps/{s.partner}"
    s.ok("POST", f"{pair}/removal", json={"reason": "closing"})
    return ids


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # {mp}, {pair}, {release} and {run} are filled in
    prepare: Callable[[Scenario], dict[str, str]]
    expected: dict[str, int]
    body: Any = None
    writes: bool = True


PAIR = "/mini-programs/{mp}/partner-apps/{partner}"
REVIEW = {"decision": "approve", "comment": ""}

B = MANAGE_BEFORE_APPLY
A = MANAGE_AFTER_APPLY
REL = "/releases/{release}"
RUN = "/releases/{release}/compatibility-runs"
# fmt: off
CASES = [
    Case("create release", "POST", "/mini-programs/{mp}/releases", _uploaded, expect(201, **B),
         body={"version": "1.0.0", "partner_app": "{partner}"}),
    Case("list releases", "GET", "/mini-programs/{mp}/releases", _in_review,
         expect(200, **READ_BEFORE_APPLY), writes=False),
    Case("read before apply", "GET", REL, _tested, expect(200, **READ_BEFORE_APPLY), writes=False),
    Case("read in review", "GET", REL, _in_review, expect(200, **READ_AFTER_APPLY), writes=False),
    Case("read configuration", "GET", f"{REL}/configuration", _tested,
         expect(200, **READ_BEFORE_APPLY), writes=False),
    Case("change configuration", "PUT", f"{REL}/configuration", _awaiting_test, expect(200, **B),
         body={"minify_js": False}),
    Case("start compatibility run", "POST", RUN, _awaiting_test, expect(202, **B)),
    Case("list compatibility runs before apply", "GET", RUN, _tested,
         expect(200, **READ_BEFORE_APPLY), writes=False),
    Case("list compatibility runs", "GET", RUN, _in_review, expect(200, **READ_AFTER_APPLY),
         writes=False),
    Case("read compatibility run", "GET", f"{RUN}/{{run}}", _in_review,
         expect(200, **READ_AFTER_APPLY), writes=False),
    Case("read compatibility report", "GET", f"{RUN}/{{run}}/report.html", _in_review,
         expect(200, **READ_AFTER_APPLY), writes=False),
    Case("apply", "POST", f"{REL}/apply", _tested, expect(200, **B), body={}),
    Case("withdraw", "POST", f"{REL}/withdraw", _in_review, expect(200, **A)),
    Case("platform review", "POST", f"{REL}/reviews", _in_review,
         expect(404, **DECIDE, platform_reviewer=200, partner_reviewer=403),
         body={"side": "platform", **REVIEW}),
    Case("partner review", "POST", f"{REL}/reviews", _in_review,
         expect(404, **DECIDE, platform_reviewer=403, partner_reviewer=200),
         body={"side": "partner", **REVIEW}),
    Case("pilot", "POST", f"{REL}/pilot", _approved, expect(200, **A),
         body={"tester_user_ids": ["qa"]}),
    Case("update pilot testers", "POST", f"{REL}/pilot", _pilot, expect(200, **A),
         body={"tester_user_ids": ["qa-2"]}),
    Case("complete pilot", "POST", f"{REL}/pilot/complete", _pilot, expect(200, **A)),
    Case("start grayscale", "POST", f"{REL}/grayscale", _approved_next_to_online,
         expect(200, **A), body={"percentage": 5}),
    Case("raise grayscale", "POST", f"{REL}/grayscale", _grayscale, expect(200, **A),
         body={"percentage": 20}),
    Case("pause", "POST", f"{REL}/pause", _grayscale, expect(200, **A)),
    Case("halt", "POST", f"{REL}/halt", _grayscale, expect(200, **A)),
    Case("resume", "POST", f"{REL}/resume", _paused, expect(200, **A)),
    Case("full release", "POST", f"{REL}/full-release", _approved, expect(200, **A)),
    Case("cancel before apply", "POST", f"{REL}/cancel", _awaiting_test, expect(200, **B)),
    Case("cancel", "POST", f"{REL}/cancel", _grayscale, expect(200, **A)),
    Case("read listing", "GET", PAIR, _online,
         expect(200, platform_admin=200, partner_reviewer=200), writes=False),
    Case("rollback", "POST", f"{PAIR}/rollback", _two_released,
         expect(200, platform_admin=403, partner_reviewer=403), body={}),
    Case("request removal", "POST", f"{PAIR}/removal", _online,
         expect(200, platform_admin=403, partner_reviewer=403), body={"reason": "closing"}),
    Case("review removal", "POST", f"{PAIR}/removal/review", _removal_requested,
         expect(403, platform_admin=403, partner_reviewer=200), body={"decision": "approve"}),
    Case("force removal", "POST", f"{PAIR}/force-removal", _online,
         expect(403, platform_admin=200, partner_reviewer=403), body={"reason": "fraud"}),
]
# fmt: on


def _fill(template: Any, s: Scenario, ids: dict[str, str]) -> Any:
    values = {"mp": s.mini_program_id, "partner": s.partner, **ids}
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {key: _fill(value, s, ids) for key, value in template.items()}
    return template


def _call(cast: Cast, case: Case, ids: dict[str, str], caller: str) -> Any:
    actor = cast.actors[caller]
    headers = actor.headers if actor is not None else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if case.body is not None:
        kwargs["json"] = _fill(case.body, cast.s, ids)
    url = f"{API}{_fill(case.path, cast.s, ids)}"
    return cast.s.client.request(case.method, url, **kwargs)


def _fingerprint(s: Scenario) -> tuple[Any, ...]:
    """Everything a refused request might have changed, as the owner sees it."""
    releases = s.ok("GET", f"/mini-programs/{s.mini_program_id}/releases", s.owner)
    events = s.ok("GET", "/audit", s.owner, params={"mini_program_id": s.mini_program_id})
    mini_program = s.ok("GET", f"/mini-programs/{s.mini_program_id}", s.owner)
    return releases, [e["id"] for e in events["items"]], mini_program


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_who_may(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any], case: Case
) -> None:
    assert set(case.expected) == set(CALLERS)
    cast = _cast(client, factory, session_factory)
    ids = case.prepare(cast.s)
    before = _fingerprint(cast.s)
    refusing = [c for c in CALLERS if case.expected[c] >= 400]
    for caller in refusing:
        status = case.expected[caller]
        response = _call(cast, case, ids, caller)
        assert response.status_code == status, (caller, response.text)
        problem(response, status, REFUSAL_CODES[status])
        assert _fingerprint(cast.s) == before, caller
    fresh = False
    for caller in (c for c in CALLERS if case.expected[c] < 400):
        if fresh and case.writes:  # each allowed caller acts on a state of its own
            cast = _cast(client, factory, session_factory)
            ids = case.prepare(cast.s)
            before = _fingerprint(cast.s)
        fresh = True
        response = _call(cast, case, ids, caller)
        assert response.status_code == case.expected[caller], (caller, response.text)
        after = _fingerprint(cast.s)
        if case.writes:
            assert len(after[1]) > len(before[1]), f"{caller}: no audit event"
        else:
            assert after == before, caller


def test_reviewers_keep_seeing_a_withdrawn_request(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    cast = _cast(client, factory, session_factory)
    s = cast.s
    release_id = _in_review(s)["release"]
    s.ok("POST", f"/releases/{release_id}/withdraw")
    for reviewer in (s.platform_reviewer, s.partner_reviewer):
        assert s.ok("GET", f"/releases/{release_id}", reviewer)["status"] == "tested"
    other = cast.actors["other_partner_reviewer"]
    problem(s.call("GET", f"/releases/{release_id}", other), 404, "not_found")


def test_reviewers_never_see_a_request_canceled_before_apply(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    cast = _cast(client, factory, session_factory)
    s = cast.s
    release_id = _tested(s)["release"]
    s.ok("POST", f"/releases/{release_id}/cancel")
    for reviewer in (s.platform_reviewer, s.partner_reviewer):
        problem(s.call("GET", f"/releases/{release_id}", reviewer), 404, "not_found")
    assert s.ok("GET", f"/releases/{release_id}", s.admin)["status"] == "canceled"


def test_a_blocked_master_loses_access(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(client, factory)
    with session_factory() as session:
        mp = session.get(MiniProgram, s.mini_program_id)
        assert mp is not None
        workspace = session.get(Workspace, mp.workspace_id)
    assert workspace is not None
    blocked = factory.member(workspace, "master", blocked=True)
    release_id = _in_review(s)["release"]
    problem(s.call("GET", f"/releases/{release_id}", blocked), 404, "not_found")
    problem(s.call("POST", f"/releases/{release_id}/withdraw", blocked), 404, "not_found")


def test_unknown_releases_are_not_found_for_everyone(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    cast = _cast(client, factory, session_factory)
    for actor in cast.actors.values():
        if actor is None:
            continue
        for method, path in (("GET", "/releases/rel_nope"), ("POST", "/releases/rel_nope/cancel")):
            problem(cast.s.call(method, path, actor), 404, "not_found")
    problem(cast.s.client.get(f"{API}/releases/rel_nope"), 401, "unauthenticated")


def test_the_runtime_endpoints_answer_everyone(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    cast = _cast(client, factory, session_factory)
    s = cast.s
    release_id = _online(s)["release"]
    sha256 = s.ok("GET", f"/releases/{release_id}")["build"]["sha256"]
    for caller, actor in cast.actors.items():
        headers = actor.headers if actor is not None else {}
        for path in (
            f"/launch/{s.partner}/{s.app_id}?user_id=alice",
            f"/packages/{sha256}",
            "/signing-key",
        ):
            response = client.get(f"{API}{path}", headers=headers)
            assert response.status_code == 200, (caller, path, response.text)
