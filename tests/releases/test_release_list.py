"""``GET /releases`` (issue 8; design §9): every release the caller may see and nothing
else, the same releases ``GET /releases/{id}`` shows them, filtered by status, partner
app, mini program and review queue, a page at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event

from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Release
from tests.factories import Actor, Factory
from tests.releases.flow import after_test, problem, scenario

API = "/api/v1"
APPLIED = {"name": "Shown to reviewers", "description": "", "category": "tools"}


@dataclass
class World:
    """Two workspaces, two partner apps (and a third with nothing on it), every kind of
    caller, and releases in the states that decide who sees them."""

    client: TestClient
    actors: dict[str, Actor]
    partners: dict[str, PartnerApp]
    programs: dict[str, MiniProgram]
    releases: dict[str, str] = field(default_factory=dict)  # name → id, oldest first

    def list(self, caller: str, **params: Any) -> dict[str, Any]:
        response = self.client.get(
            f"{API}/releases", params=params, headers=self.actors[caller].headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def names(self, caller: str, **params: Any) -> list[str]:
        """The names of the releases listed (one page of up to 200), in the order given."""
        by_id = {release_id: name for name, release_id in self.releases.items()}
        return [by_id[r["id"]] for r in self.list(caller, limit=200, **params)["items"]]


def _save(factory: Factory, *rows: Any) -> None:
    with factory.session_factory() as session:
        session.add_all(rows)
        session.commit()


def _release(
    world: World,
    factory: Factory,
    name: str,
    program: str,
    partner: str,
    status: str,
    *,
    applied: bool = False,
    platform: str | None = None,
    partner_side: str | None = None,
) -> None:
    mp = world.programs[program]
    version = Version(
        id=new_id("ver"),
        mini_program_id=mp.id,
        version=f"1.0.{len(world.releases)}",
        package_sha256=hashlib.sha256(name.encode()).hexdigest(),
        package_size=100,
        entry_count=3,
        uncompressed_size=300,
        app_json={"pages": ["pages/index/index"], "subPackages": []},
        uploaded_by=world.actors["owner"].id,
    )
    _save(factory, version)
    fields: dict[str, Any] = {}
    if applied:  # as apply leaves it; never applied, the column stays NULL
        fields = {"basic_info": dict(APPLIED), "server_domains": [], "h5_domains": []}
    release = Release(
        id=new_id("rel"),
        mini_program_id=mp.id,
        partner_app_id=world.partners[partner].id,
        version_id=version.id,
        version=version.version,
        status=status,
        configuration={},
        build_status="succeeded",
        platform_decision=platform,
        partner_decision=partner_side,
        created_by=world.actors["owner"].id,
        **fields,
    )
    _save(factory, release)
    world.releases[name] = release.id


@pytest.fixture
def world(client: TestClient, factory: Factory) -> World:
    workspace, owner = factory.workspace()
    other_workspace, other_owner = factory.workspace(name="Other")
    mp1 = factory.mini_program(workspace, owner)
    mp2 = factory.mini_program(workspace, owner)
    mp3 = factory.mini_program(other_workspace, other_owner)
    p1, p2, p3 = factory.partner_app(), factory.partner_app(), factory.partner_app()
    actors = {
        "owner": owner,
        "master": factory.member(workspace, "master"),
        "developer": factory.member(workspace, "developer", mini_programs=(mp1,)),
        "unassigned_developer": factory.member(workspace, "developer"),
        "blocked_master": factory.member(workspace, "master", blocked=True),
        "other_owner": other_owner,
        "platform_reviewer": factory.user(platform_reviewer=True),
        "p1_reviewer": factory.partner_reviewer(p1),
        "p2_reviewer": factory.partner_reviewer(p2),
        "p3_reviewer": factory.partner_reviewer(p3),
        "platform_admin": factory.user(platform_admin=True),
        "outsider": factory.user(),
    }
    w = World(client, actors, {"p1": p1, "p2": p2, "p3": p3}, {"mp1": mp1, "mp2": mp2, "mp3": mp3})
    _release(w, factory, "building", "mp1", "p1", "building")
    _release(w, factory, "tested", "mp1", "p1", "tested")
    _release(w, factory, "in_review", "mp1", "p1", "in_review", applied=True)
    _release(
        w, factory, "platform_done", "mp2", "p1", "in_review", applied=True, platform="approve"
    )
    _release(
        w, factory, "partner_done", "mp2", "p2", "in_review", applied=True, partner_side="approve"
    )
    _release(w, factory, "withdrawn", "mp2", "p1", "tested", applied=True)
    _release(
        w,
        factory,
        "released",
        "mp3",
        "p2",
        "released",
        applied=True,
        platform="approve",
        partner_side="approve",
    )
    _release(w, factory, "canceled_unapplied", "mp3", "p1", "canceled")
    return w


W1 = ["building", "tested", "in_review", "platform_done", "partner_done", "withdrawn"]
VISIBLE = {
    "owner": W1,
    "master": W1,
    "developer": ["building", "tested", "in_review"],
    "unassigned_developer": [],
    "blocked_master": [],
    "other_owner": ["released", "canceled_unapplied"],
    # Under or after review, or applied once (withdrawn); never what was not applied.
    "platform_reviewer": ["in_review", "platform_done", "partner_done", "withdrawn", "released"],
    "p1_reviewer": ["in_review", "platform_done", "withdrawn"],
    "p2_reviewer": ["partner_done", "released"],
    "p3_reviewer": [],
    "platform_admin": [*W1, "released", "canceled_unapplied"],
    "outsider": [],
}


@pytest.mark.parametrize("caller", sorted(VISIBLE))
def test_each_caller_sees_exactly_what_they_may_read(world: World, caller: str) -> None:
    listed = world.names(caller, order="oldest")
    assert listed == VISIBLE[caller]
    # The same rules as reading one release (releases/access.py), release by release.
    readable = [
        name
        for name, release_id in world.releases.items()
        if world.client.get(
            f"{API}/releases/{release_id}", headers=world.actors[caller].headers
        ).status_code
        == 200
    ]
    assert listed == readable
    if listed:  # each item reads as GET /releases/{id} does
        item = world.list(caller, limit=1)["items"][0]
        one = world.client.get(f"{API}/releases/{item['id']}", headers=world.actors[caller].headers)
        assert item == one.json()


def test_newest_first_unless_asked_for_the_oldest(world: World) -> None:
    every = list(world.releases)
    assert world.names("platform_admin") == every[::-1]
    assert world.names("platform_admin", order="newest") == every[::-1]
    assert world.names("platform_admin", order="oldest") == every


def test_filters_combine_with_what_the_caller_sees(world: World) -> None:
    admin = "platform_admin"
    assert world.names(admin, status="in_review", order="oldest") == [
        "in_review",
        "platform_done",
        "partner_done",
    ]
    several = world.names(admin, status=["released", "building"], order="oldest")
    assert several == ["building", "released"]
    assert world.names(admin, partner_app=world.partners["p2"].code, order="oldest") == [
        "partner_done",
        "released",
    ]
    assert world.names(admin, partner_app=world.partners["p3"].code) == []
    assert world.names(admin, partner_app="no-such-app") == []
    mp1 = world.programs["mp1"].id
    assert world.names(admin, mini_program_id=mp1, order="oldest") == [
        "building",
        "tested",
        "in_review",
    ]
    assert world.names("developer", mini_program_id=world.programs["mp2"].id) == []
    assert world.names("unassigned_developer", mini_program_id=mp1) == []
    assert world.names(admin, mini_program_id="mp_nope") == []
    combined = world.names(
        "platform_reviewer", status="in_review", partner_app=world.partners["p1"].code
    )
    assert combined == ["platform_done", "in_review"]


QUEUES = {
    # The platform side: in review, no platform decision yet, among what the caller sees.
    ("platform", "platform_reviewer"): ["in_review", "partner_done"],
    ("platform", "owner"): ["in_review", "partner_done"],
    ("platform", "developer"): ["in_review"],
    ("platform", "platform_admin"): ["in_review", "partner_done"],
    ("platform", "p1_reviewer"): ["in_review"],
    ("platform", "outsider"): [],
    # The partner side: the caller's own queue, on the partner apps they review.
    ("partner", "p1_reviewer"): ["in_review", "platform_done"],
    ("partner", "p2_reviewer"): [],  # its one request in review has its partner decision
    ("partner", "p3_reviewer"): [],
    ("partner", "platform_reviewer"): [],
    ("partner", "owner"): [],
    # Platform admins watch every partner app's queue.
    ("partner", "platform_admin"): ["in_review", "platform_done"],
}


@pytest.mark.parametrize(("side", "caller"), sorted(QUEUES))
def test_review_queues(world: World, side: str, caller: str) -> None:
    queue = world.names(caller, awaiting_review=side, order="oldest")
    assert queue == QUEUES[(side, caller)]


def test_a_queue_follows_the_decisions_made(client: TestClient, factory: Factory) -> None:
    """Over the real flow: before apply nobody reviews it; after apply it waits on both
    sides; each decision takes it out of that side's queue; withdrawn, out of both."""
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")

    def queue(actor: Actor, side: str) -> list[str]:
        page = s.ok("GET", "/releases", actor, params={"awaiting_review": side})
        return [r["id"] for r in page["items"]]

    for reviewer in (s.platform_reviewer, s.partner_reviewer):
        assert s.ok("GET", "/releases", reviewer)["items"] == []
    s.ok("POST", f"/releases/{release_id}/apply", json={})
    assert queue(s.platform_reviewer, "platform") == [release_id]
    assert queue(s.partner_reviewer, "partner") == [release_id]
    s.review(release_id, "partner", "approve")
    assert queue(s.partner_reviewer, "partner") == []
    assert queue(s.platform_reviewer, "platform") == [release_id]
    s.ok("POST", f"/releases/{release_id}/withdraw")
    assert queue(s.platform_reviewer, "platform") == []
    # Withdrawn, the request stays visible to the reviewers who saw it.
    listed = s.ok("GET", "/releases", s.platform_reviewer)["items"]
    assert [(r["id"], r["status"]) for r in listed] == [(release_id, "tested")]


def test_pages_walk_every_release_once(world: World) -> None:
    for order, expected in (
        ("newest", list(world.releases)[::-1]),
        ("oldest", list(world.releases)),
    ):
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 3, "order": order}
            if cursor is not None:
                params["cursor"] = cursor
            page = world.list("platform_admin", **params)
            assert len(page["items"]) <= 3
            seen += [r["id"] for r in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [world.releases[name] for name in expected]
        assert pages == 3  # 8 releases: 3 + 3 + 2, and no empty page after the last


def test_a_page_of_a_filtered_list_keeps_the_filter(world: World) -> None:
    first = world.list("platform_reviewer", status="in_review", order="oldest", limit=2)
    assert first["next_cursor"] is not None
    rest = world.list(
        "platform_reviewer", status="in_review", order="oldest", cursor=first["next_cursor"]
    )
    ids = [r["id"] for r in first["items"] + rest["items"]]
    names = ["in_review", "platform_done", "partner_done"]
    assert ids == [world.releases[n] for n in names]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"status": "shipped"},
        {"awaiting_review": "somebody"},
        {"order": "random"},
        {"limit": 0},
        {"limit": 201},
        {"cursor": "not-a-cursor"},
        {"cursor": "W10"},  # base64 of [], a cursor of no list
        {"state": "in_review"},  # not a parameter of this list
    ],
)
def test_bad_parameters_are_422(world: World, params: dict[str, Any]) -> None:
    response = world.client.get(
        f"{API}/releases", params=params, headers=world.actors["owner"].headers
    )
    problem(response, 422, "validation_error")


def test_signed_out_is_401(client: TestClient) -> None:
    problem(client.get(f"{API}/releases"), 401, "unauthenticated")


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", count)
    yield seen
    event.remove(connection, "before_cursor_execute", count)


def test_a_page_costs_the_same_however_many_releases_there_are(
    world: World, factory: Factory, statements: list[str]
) -> None:
    """The visibility is one SQL condition: more releases, hidden or not, add no query.
    The oldest first, so that the page holds the same releases before and after: what the
    caller may do with each (allowed_actions) reads, for the whole page at once, the facts
    their guards need, whose cost depends on the releases' states, not on their number."""

    def cost(caller: str) -> int:
        statements.clear()
        assert len(world.list(caller, limit=2, order="oldest")["items"]) == 2
        return len(statements)

    before = {caller: cost(caller) for caller in ("developer", "platform_reviewer", "p1_reviewer")}
    for n in range(12):
        _release(world, factory, f"more-{n}", "mp1", "p1", "in_review", applied=True)
        _release(world, factory, f"hidden-{n}", "mp3", "p2", "building")
    after = {caller: cost(caller) for caller in before}
    assert after == before
