"""The Resolver on a whole manifest: what each user gets of each mini program, batches,
package URLs, and the same answers as the server's ``resolve`` given the same rollouts."""

from __future__ import annotations

from typing import Any

import pytest

from minirelease import errors as domain
from minirelease.resolver import Channel, NotReleased, Removed, Resolver
from minirelease.resolver.bucketing import bucket
from minirelease.rollout.resolve import Package, PairRollout, resolve
from tests.resolver import signed

SIGNER = signed.new_signer()
KEY = SIGNER.public_key_pem()
TESTERS = ["qa", "张三", "user-3"]
USERS = [None, "", " ", "🙂", *TESTERS, *(f"user-{n}" for n in range(2000))]
GRAY, PILOT, HALTED, FIRST, REMOVED, STABLE = (f"202100000000000{n}" for n in range(1, 7))

MINI_PROGRAMS = {
    GRAY: signed.entry(
        signed.package("rel_g1"), signed.candidate("rel_g2", basis_points=2500, testers=TESTERS)
    ),
    PILOT: signed.entry(
        signed.package("rel_p1"), signed.candidate("rel_p2", state="pilot", testers=TESTERS)
    ),
    HALTED: signed.entry(
        signed.package("rel_h1"),
        signed.candidate("rel_h2", basis_points=10_000, halted=True, testers=TESTERS),
    ),
    FIRST: signed.entry(None, signed.candidate("rel_f1", state="pilot", testers=TESTERS)),
    REMOVED: signed.entry(removed=True),
    STABLE: signed.entry(signed.package("rel_s1")),
}


def _resolver(**kw: Any) -> Resolver:
    body = signed.body(signed.manifest(MINI_PROGRAMS), SIGNER)
    return Resolver.from_envelope(body, KEY, partner_app="wallet", **kw)


def _outcome(resolver: Resolver, app_id: str, user: str | None) -> tuple[str, str] | str:
    try:
        decision = resolver.resolve(app_id, user)
    except (NotReleased, Removed) as refused:
        return refused.code
    return (decision.channel.value, decision.release_id)


def _expected(app_id: str, user: str | None) -> tuple[str, str] | str:
    tester = bool(user) and user in TESTERS
    if app_id == GRAY:
        if tester:
            return ("pilot", "rel_g2")
        if user and bucket("rel_g2", user) < 2500:
            return ("grayscale", "rel_g2")
        return ("online", "rel_g1")
    if app_id == PILOT:
        return ("pilot", "rel_p2") if tester else ("online", "rel_p1")
    if app_id == HALTED:
        return ("online", "rel_h1")
    if app_id == FIRST:
        return ("pilot", "rel_f1") if tester else "not_released"
    if app_id == REMOVED:
        return "removed"
    if app_id == STABLE:
        return ("online", "rel_s1")
    return "not_released"


@pytest.mark.parametrize("app_id", [GRAY, PILOT, HALTED, FIRST, REMOVED, STABLE, "unlisted"])
def test_each_user_of_each_mini_program(app_id: str) -> None:
    resolver = _resolver()
    for user in USERS:
        assert _outcome(resolver, app_id, user) == _expected(app_id, user), (app_id, user)


def test_a_decision_carries_its_package() -> None:
    package = MINI_PROGRAMS[STABLE]["online"]
    decision = _resolver().resolve(STABLE, "anyone")
    assert (decision.channel, decision.release_id, decision.version) == (
        Channel.ONLINE,
        "rel_s1",
        "1.0.0",
    )
    assert (decision.package.url, decision.package.sha256) == (package["url"], package["sha256"])
    assert (decision.package.size, decision.package.signature) == (1234, package["signature"])
    joined = _resolver(base_url="https://release.example.com").resolve(STABLE, "x").package.url
    assert joined == f"https://release.example.com{package['url']}"


def test_resolve_many_is_resolve_for_each() -> None:
    resolver = _resolver()
    for app_id in (GRAY, PILOT, HALTED, FIRST, STABLE, "unlisted"):
        many = resolver.resolve_many(app_id, iter(USERS))
        assert len(many) == len(USERS)
        for user, decision in zip(USERS, many, strict=True):
            outcome = _outcome(resolver, app_id, user)
            if decision is None:
                assert outcome == "not_released"
            else:
                assert (decision.channel.value, decision.release_id) == outcome
    with pytest.raises(Removed):
        resolver.resolve_many(REMOVED, ["a", "b"])


def test_serial_and_partner_app() -> None:
    resolver = _resolver()
    assert (resolver.serial, resolver.partner_app) == (7, "wallet")


def _server_rollout(entry: dict[str, Any]) -> PairRollout:
    def package(data: dict[str, Any] | None) -> Package | None:
        if data is None:
            return None
        return Package(
            data["release_id"], data["version"], data["sha256"], data["size"], data["signature"]
        )

    candidate = entry["candidate"]
    return PairRollout(
        removed=entry["removed"],
        online=package(entry["online"]),
        candidate=package(candidate),
        candidate_status=candidate and candidate["state"],
        basis_points=candidate["basis_points"] if candidate else 0,
        halted=bool(candidate and candidate["halted"]),
        testers=frozenset(TESTERS) if candidate else frozenset(),
    )


def test_the_same_answers_as_the_server_given_the_same_rollouts() -> None:
    resolver = _resolver()
    for app_id, entry in MINI_PROGRAMS.items():
        server = _server_rollout(entry)
        for user in USERS:
            try:
                decision = resolve(server, user)
            except (domain.NotReleased, domain.Removed) as refused:
                assert _outcome(resolver, app_id, user) == refused.code
                continue
            local = resolver.resolve(app_id, user)
            assert local.channel == decision.channel
            assert (local.release_id, local.version) == (
                decision.package.release_id,
                decision.package.version,
            )
            assert (local.package.sha256, local.package.size, local.package.signature) == (
                decision.package.sha256,
                decision.package.size,
                decision.package.signature,
            )
