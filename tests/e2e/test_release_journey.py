"""End to end over HTTP (issue 3, "Done when" #2): two mini programs of one workspace on
one partner app, and one of them on a second partner app, taken through full release,
reject and re-apply, withdraw, a grayscale ramp 1 → 5 → 50 → 100, pause, halt and
resume, cancel in the middle of a grayscale, pilot, rollback, removal and force removal.
After every step, what 10,000 users get at launch is checked, and at the end the audit
log holds exactly one event per transition made.

How the 10,000 launches are checked. One launch over the TestClient takes about 10 ms on
SQLite and 15 ms on PostgreSQL (measured: 2,000 launches in 24-25 s on each), so 10,000
per step over HTTP would take 100-150 s per step, far over the ~90 s the whole file may
take. So at each step the rollout is read once and the 10,000 ids are resolved in-process
with ``pair_rollout`` + ``resolve`` — the exact code the launch endpoint runs — and a
random sample of 300 of those ids (plus every pilot tester and a launch without user id)
is asked over HTTP and must get identical answers, with a package whose bytes hash to
the release's build. Each of the 10,000 answers must be exactly the one design §6's
bucketing gives; users keep the new version as the ratio rises, through a pause and
across halt → resume.

The share of the grayscale version. The release id salts the hash and is random, so over
10,000 ids the share is binomial around the ratio, with a standard deviation of up to 0.5
percentage points (at 50 %): "within ±0.5 points" over those 10,000 alone fails one check
in three at 50 %, one in five at 20 % (seen: 20.56 % at a 20 % ratio), so most runs of
this journey would fail it. So the 10,000 ids' share is held to 4.5 standard deviations
of that binomial, and the ±0.5-point bound is checked on 250,000 launches resolved the
same way, where it holds by 5 standard deviations. ``tests/e2e/launches.py`` has every
check; ``tests/e2e/journey.py`` the steps."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from tests.e2e.journey import Journey
from tests.e2e.launches import Pair, Serving
from tests.factories import Factory

pytestmark = pytest.mark.slow


def released(j: Journey, pair: Pair, version: str) -> str:
    """A first release of ``version`` on ``pair``, approved and fully released."""
    release_id = j.approved(pair, version)
    assert j.act(pair, release_id, "full-release")["status"] == "released"
    j.goes_online(pair, release_id, None)
    return release_id


def test_reviews_full_releases_and_grayscales(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    j = Journey(client, factory, session_factory)
    a, b = j.a, j.b
    for pair in (a, b):
        j.upload(pair, "1.0.0")
        j.upload(pair, "1.1.0")
    j.check(a, Serving())  # nothing released yet: 404 not_released for everyone

    # A 1.0.0: the platform rejects with a comment; re-applied with edited basic info.
    a1 = j.start(a, "1.0.0")
    j.test(a, a1)
    j.apply(a, a1)
    no_comment = a.flow.call(
        "POST",
        f"/releases/{a1}/reviews",
        j.platform_reviewer,
        json={"side": "platform", "decision": "reject"},
    )
    assert no_comment.status_code == 422 and no_comment.json()["code"] == "validation_error"
    comment = "Say in the description what the mini program sells."
    rejected = j.review(a, a1, "platform", "reject", comment)
    assert rejected["status"] == "rejected"
    assert rejected["reviews"]["platform"] == {"decision": "reject", "comment": comment}
    j.check(a, Serving())
    edited = {"description": "Order coffee ahead and skip the queue."}
    reapplied = j.apply(a, a1, basic_info=edited)
    assert reapplied["basic_info"]["description"] == edited["description"]
    assert reapplied["reviews"]["platform"] == {"decision": None, "comment": None}
    mini_program = a.flow.ok("GET", f"/mini-programs/{a.flow.mini_program_id}")
    assert mini_program["description"] == edited["description"]
    j.review(a, a1, "partner", "approve")
    assert j.review(a, a1, "platform", "approve")["status"] == "approved"
    j.check(a, Serving())  # approved is not online yet
    assert j.act(a, a1, "full-release")["status"] == "released"
    j.goes_online(a, a1, None)
    j.check(a, Serving(online=a1))

    # B 1.0.0: the partner app rejects; a configuration change rebuilds, then a retest.
    b1 = j.start(b, "1.0.0")
    j.test(b, b1)
    j.apply(b, b1)
    j.review(b, b1, "platform", "approve")
    comment = "Ship the JavaScript unminified so we can read it."
    rejected = j.review(b, b1, "partner", "reject", comment)
    assert rejected["status"] == "rejected"
    assert rejected["reviews"]["partner"] == {"decision": "reject", "comment": comment}
    j.check(b, Serving())
    rebuilding = j.configure(b, b1, {"minify_js": False})
    assert rebuilding["status"] == "building" and rebuilding["build"]["number"] == 2
    j.run_build(b, b1)
    rebuilt = b.flow.ok("GET", f"/releases/{b1}")["build"]
    assert rebuilt["sha256"] != rejected["build"]["sha256"]
    assert "awaiting test" in j.refused(b, f"/releases/{b1}/apply", json={})
    j.test(b, b1)
    j.apply(b, b1)
    j.review(b, b1, "platform", "approve")
    j.review(b, b1, "partner", "approve")
    j.act(b, b1, "full-release")
    j.goes_online(b, b1, None)
    j.check(b, Serving(online=b1))  # serves the rebuilt package

    # A 1.1.0: grayscale 1 → 5 → 50 → 100; only up; at 100 it is released, 1.0.0 archived.
    a2 = j.approved(a, "1.1.0")
    cohorts = []
    for percentage in (1, 5, 50):
        assert j.grayscale(a, a2, percentage)["status"] == "grayscale"
        cohorts.append(j.check(a, Serving(online=a1, candidate=a2, percentage=percentage)))
        if percentage == 5:
            assert "only goes up" in j.refused(
                a, f"/releases/{a2}/grayscale", json={"percentage": 4.99}
            )
    assert cohorts[0] < cohorts[1] < cohorts[2]
    assert j.grayscale(a, a2, 100)["status"] == "released"
    j.goes_online(a, a2, a1)
    j.check(a, Serving(online=a2))

    # B 1.1.0: withdrawn and re-applied; a grayscale paused, halted, resumed, canceled.
    b2 = j.start(b, "1.1.0")
    j.test(b, b2)
    j.apply(b, b2)
    assert j.act(b, b2, "withdraw")["status"] == "tested"
    j.check(b, Serving(online=b1))
    j.apply(b, b2)
    j.review(b, b2, "platform", "approve")
    j.review(b, b2, "partner", "approve")
    j.grayscale(b, b2, 10)
    at_10 = j.check(b, Serving(online=b1, candidate=b2, percentage=10))
    assert "grayscale" in j.refused(b, j.listing_path(b, "rollback"), json={})
    assert j.act(b, b2, "pause")["paused"] is True
    assert j.check(b, Serving(online=b1, candidate=b2, percentage=10)) == at_10
    assert "paused" in j.refused(b, f"/releases/{b2}/grayscale", json={"percentage": 20})
    j.act(b, b2, "resume")
    j.grayscale(b, b2, 20)
    at_20 = j.check(b, Serving(online=b1, candidate=b2, percentage=20))
    assert at_10 < at_20
    assert j.act(b, b2, "halt")["halted"] is True
    assert j.check(b, Serving(online=b1, candidate=b2, percentage=20, halted=True)) == set()
    assert "halted" in j.refused(b, f"/releases/{b2}/grayscale", json={"percentage": 30})
    j.act(b, b2, "resume")
    assert j.check(b, Serving(online=b1, candidate=b2, percentage=20)) == at_20
    assert j.act(b, b2, "cancel")["status"] == "canceled"
    j.check(b, Serving(online=b1))  # everyone back on the online version
    assert b.flow.status(b1) == "released"

    j.check_audit()


def test_pilot_rollback_removal_and_force_removal(
    client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    j = Journey(client, factory, session_factory)
    a, b, a_other = j.a, j.b, j.a_second
    for pair in (a, b):
        j.upload(pair, "1.0.0")
        j.upload(pair, "1.1.0")
    online = {}
    for pair in (a, b, a_other):
        online[pair.name] = released(j, pair, "1.0.0")
        j.check(pair, Serving(online=online[pair.name]))
    a1, b1, other1 = (online[p.name] for p in (a, b, a_other))

    # Pilot on A: the testers get 1.1.0 on the pilot channel, everyone else 1.0.0.
    a2 = j.approved(a, "1.1.0")
    testers = frozenset({"user-00007", "user-04242"})
    assert j.act(a, a2, "pilot", json={"tester_user_ids": sorted(testers)})["status"] == "pilot"
    assert j.check(a, Serving(online=a1, candidate=a2, testers=testers)) == testers
    testers |= {"user-09999"}
    j.act(a, a2, "pilot", json={"tester_user_ids": sorted(testers)}, action="update_testers")
    assert j.check(a, Serving(online=a1, candidate=a2, testers=testers)) == testers
    assert j.act(a, a2, "pilot/complete", action="complete_pilot")["status"] == "approved"
    j.check(a, Serving(online=a1))
    # A grayscale after the pilot: the testers keep it, 5 % of the others get it too.
    j.grayscale(a, a2, 5)
    cohort = j.check(a, Serving(online=a1, candidate=a2, percentage=5, testers=testers))
    assert testers < cohort
    assert "grayscale" in j.refused(a, j.listing_path(a, "rollback"), json={"version": "1.0.0"})
    j.act(a, a2, "full-release")
    j.goes_online(a, a2, a1)
    j.check(a, Serving(online=a2))

    # Rollback to 1.0.0: its build is online again, as a new release; 1.1.0 rolled back.
    listing = j.listing(a, "rollback", json={"version": "1.0.0"})
    restored = listing["online"]
    assert (restored["version"], restored["rollback_of"]) == ("1.0.0", a1)
    first_build = a.flow.ok("GET", f"/releases/{a1}")["build"]["sha256"]
    assert restored["build"]["sha256"] == first_build
    assert a.flow.status(a2) == "rolled_back"
    j.audited(a, "release.roll_back", a2, j.developer)
    j.audited(a, "listing.rollback", restored["id"], j.developer)
    j.check(a, Serving(online=restored["id"]))

    # Removal: a rejected request keeps A online; an approved one answers 410 removed.
    reviewer = a.flow.partner_reviewer
    assert j.listing(a, "removal", json={"reason": "rebranding"})["removal"]["status"] == (
        "requested"
    )
    j.audited(a, "listing.removal.request", None, j.developer)
    kept = j.listing(
        a, "removal/review", reviewer, json={"decision": "reject", "comment": "users rely on it"}
    )
    assert kept["removal"]["status"] == "none"
    j.audited(a, "listing.removal.reject", None, reviewer)
    j.check(a, Serving(online=restored["id"]))
    j.listing(a, "removal", json={"reason": "rebranding"})
    j.audited(a, "listing.removal.request", None, j.developer)
    removed = j.listing(a, "removal/review", reviewer, json={"decision": "approve"})
    assert removed["removal"]["status"] == "removed"
    j.audited(a, "listing.removal.approve", None, reviewer)
    j.check(a, Serving(online=restored["id"], removed=True))  # A on the other app stays

    # Force removal on the second partner app cancels the grayscale in flight there.
    other2 = j.approved(a_other, "1.1.0")
    j.grayscale(a_other, other2, 30)
    j.check(a_other, Serving(online=other1, candidate=other2, percentage=30))
    forbidden = a_other.flow.call("POST", j.listing_path(a_other, "force-removal"), json={})
    assert forbidden.status_code == 403
    j.listing(a_other, "force-removal", j.admin, json={"reason": "policy breach"})
    j.audited(a_other, "release.cancel", other2, j.admin)
    j.audited(a_other, "listing.removal.force", None, j.admin)
    assert a_other.flow.status(other2) == "canceled"
    j.check(a_other, Serving(online=other1, removed=True))

    # ... and on B, with a request under review: withdrawn and canceled with it.
    b2 = j.start(b, "1.1.0")
    j.test(b, b2)
    j.apply(b, b2)
    assert "in review" in j.refused(b, j.listing_path(b, "removal"), json={})
    j.check(b, Serving(online=b1))
    j.listing(b, "force-removal", j.admin)
    j.audited(b, "release.withdraw", b2, j.admin)
    j.audited(b, "release.cancel", b2, j.admin)
    j.audited(b, "listing.removal.force", None, j.admin)
    assert b.flow.status(b2) == "canceled"
    j.check(b, Serving(online=b1, removed=True))

    j.check_audit()
