"""QR codes (design §9, issue 8 item 4), the service: which release each kind of code
opens, and who gets it (the team, platform admins, testers who are no members, reviewers
once a release reached them; everyone else 404), on rows written directly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.accounts import service as accounts
from minirelease.accounts.models import User
from minirelease.audit import AuditEvent
from minirelease.authz import Principal
from minirelease.errors import (
    Conflict,
    DomainError,
    NotFound,
    NotReleased,
    Removed,
    ValidationFailed,
)
from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.miniprograms.qrcodes import Kind, QrCode
from minirelease.partners.models import PartnerApp
from minirelease.releases.access import REVIEWED
from minirelease.releases.models import Listing, Release
from minirelease.releases.qrcodes import qrcode_for
from tests.factories import Actor, Factory

TEMPLATE = "wallet://mini?appId={app_id}&page={page}&query={query}"
V1_APP = {"pages": ["pages/index/index", "pages/about/about"], "subPackages": []}
V2_APP = {
    "pages": ["pages/index/index", "pages/about/about"],
    "subPackages": [{"root": "shop", "pages": ["pages/cart/cart"]}],
}


def _link_query(link: str) -> dict[str, list[str]]:
    """The launch query the deep link carries, decoded as the partner app would."""
    outer = parse_qs(urlsplit(link).query)
    return parse_qs(outer["query"][0]) if "query" in outer else {}


@dataclass
class World:
    session: Session
    factory: Factory
    mp: MiniProgram
    partner: PartnerApp
    other_partner: PartnerApp
    v1: Version
    v2: Version
    actors: dict[str, Actor]

    def who(self, name: str) -> Principal:
        user = self.session.get(User, self.actors[name].id)
        assert user is not None
        return accounts.principal_for(self.session, user)

    def release(
        self, version: Version, status: str, *, build: str = "succeeded", partner: Any = None
    ) -> Release:
        row = Release(
            id=new_id("rel"),
            mini_program_id=self.mp.id,
            partner_app_id=(partner or self.partner).id,
            version_id=version.id,
            version=version.version,
            status=status,
            configuration={},
            build_status=build,
            build_sha256=hashlib.sha256(version.id.encode()).hexdigest()
            if build == "succeeded"
            else None,
            basic_info={"name": "x"} if status in REVIEWED else None,
            created_by=self.actors["owner"].id,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def online(self, release: Release, removal: str = "none") -> None:
        self.session.add(
            Listing(
                id=new_id("lst"),
                mini_program_id=self.mp.id,
                partner_app_id=self.partner.id,
                online_release_id=release.id,
                removal_status=removal,
            )
        )
        self.session.flush()

    def code(self, who: str, kind: str, **request: Any) -> QrCode:
        return qrcode_for(
            self.session,
            self.who(who),
            mini_program_id=self.mp.id,
            kind=kind,
            partner_app=request.pop("partner_app", self.partner.code),
            **request,
        )

    def refused(self, who: str, kind: str, error: type[DomainError], **request: Any) -> str:
        with pytest.raises(error) as refused:
            self.code(who, kind, **request)
        assert type(refused.value) is error
        return refused.value.detail


def _version(session: Session, mp: MiniProgram, owner: Actor, number: str, app: Any) -> Version:
    row = Version(
        id=new_id("ver"),
        mini_program_id=mp.id,
        version=number,
        package_sha256=hashlib.sha256(number.encode()).hexdigest(),
        package_size=1,
        entry_count=1,
        uncompressed_size=1,
        app_json=app,
        uploaded_by=owner.id,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def world(session: Session, factory: Factory) -> World:
    workspace, owner = factory.workspace()
    tester = factory.user()
    mp = factory.mini_program(workspace, owner, tester_user_ids=["partner-user-1", tester.id])
    other_mp = factory.mini_program(workspace, owner)
    partner = factory.partner_app(deep_link_template=TEMPLATE)
    other_partner = factory.partner_app(deep_link_template=TEMPLATE)
    actors = {
        "owner": owner,
        "developer": factory.member(workspace, "developer", mini_programs=(mp,)),
        "other_developer": factory.member(workspace, "developer", mini_programs=(other_mp,)),
        "tester": tester,
        "outsider": factory.user(),
        "admin": factory.user(platform_admin=True),
        "platform_reviewer": factory.user(platform_reviewer=True),
        "partner_reviewer": factory.partner_reviewer(partner),
        "other_partner_reviewer": factory.partner_reviewer(other_partner),
    }
    v1 = _version(session, mp, owner, "1.0.0", V1_APP)
    v2 = _version(session, mp, owner, "2.0.0", V2_APP)
    return World(session, factory, mp, partner, other_partner, v1, v2, actors)


def test_promo_before_anything_is_online_is_not_released_and_hidden_from_outsiders(
    world: World,
) -> None:
    world.release(world.v1, "awaiting_test")
    assert "nothing of this mini program is online" in world.refused("owner", "promo", NotReleased)
    world.refused("tester", "promo", NotReleased)
    for hidden in ("outsider", "other_developer", "platform_reviewer", "partner_reviewer"):
        assert world.refused(hidden, "promo", NotFound) == "mini program not found"


def test_promo_opens_the_online_release_with_its_pages(world: World) -> None:
    online = world.release(world.v1, "released")
    world.online(online)
    newer = world.release(world.v2, "awaiting_test")
    for who in ("owner", "developer", "tester", "admin", "platform_reviewer", "partner_reviewer"):
        qr = world.code(who, "promo", page="pages/about/about", query="from=poster")
        assert (qr.release_id, qr.version) == (online.id, "1.0.0")
        assert "mr_" not in qr.deep_link
    # A page only the newer build has is not online yet; a preview of that build has it.
    world.refused("owner", "promo", ValidationFailed, page="shop/pages/cart/cart")
    preview = world.code("owner", "preview", page="shop/pages/cart/cart")
    assert preview.release_id == newer.id
    for hidden in ("outsider", "other_developer", "other_partner_reviewer"):
        world.refused(hidden, "promo", NotFound)


def test_promo_after_removal_is_refused_as_removed(world: World) -> None:
    world.online(world.release(world.v1, "released"), removal="removed")
    world.refused("owner", "promo", Removed)
    world.refused("outsider", "promo", NotFound)


@pytest.mark.parametrize("kind", ["preview", "trial"])
def test_preview_and_trial_open_the_newest_built_release(world: World, kind: str) -> None:
    world.refused("owner", kind, Conflict)  # nothing built yet
    world.refused("outsider", kind, NotFound)
    built = world.release(world.v1, "tested")
    world.release(world.v2, "building", build="running")
    world.release(world.v2, "canceled")
    world.release(world.v2, "awaiting_test", partner=world.other_partner)
    for who in ("owner", "developer", "admin", "tester"):
        qr = world.code(who, kind)
        assert (qr.kind, qr.release_id, qr.version) == (Kind(kind), built.id, "1.0.0")
        assert _link_query(qr.deep_link)["mr_release"] == [built.id]
    for hidden in ("outsider", "other_developer", "platform_reviewer", "partner_reviewer"):
        world.refused(hidden, kind, NotFound)


def test_a_tester_who_is_no_member_gets_preview_and_trial_of_any_built_release(
    world: World,
) -> None:
    first = world.release(world.v1, "awaiting_test")
    world.release(world.v2, "awaiting_test")
    assert world.code("tester", "trial", release_id=first.id).release_id == first.id
    assert world.code("tester", "preview", page="shop/pages/cart/cart").version == "2.0.0"


def test_a_named_release_must_be_built_of_this_program_and_to_this_partner_app(
    world: World,
) -> None:
    building = world.release(world.v2, "building", build="running")
    failed = world.release(world.v2, "build_failed", build="failed")
    elsewhere = world.release(world.v1, "awaiting_test", partner=world.other_partner)
    for release in (building, failed):
        assert "only a built release" in world.refused(
            "owner", "preview", Conflict, release_id=release.id
        )
    world.refused("owner", "trial", ValidationFailed, release_id=elsewhere.id)
    for unknown in ("rel_01jzzzzzzzzzzzzzzzzzzzzzzz", "nonsense", "\x00"):
        world.refused("owner", "trial", NotFound, release_id=unknown)
    world.refused("outsider", "trial", NotFound, release_id=building.id)
    page_error = world.refused(
        "owner",
        "trial",
        ValidationFailed,
        release_id=world.release(world.v1, "tested").id,
        page="shop/pages/cart/cart",
    )
    assert "not a page of version 1.0.0" in page_error


def test_reviewers_get_codes_of_the_releases_that_reached_them(world: World) -> None:
    in_review = world.release(world.v1, "in_review")
    unreviewed = world.release(world.v2, "awaiting_test")
    for reviewer in ("platform_reviewer", "partner_reviewer"):
        for kind in ("preview", "trial"):
            assert world.code(reviewer, kind).release_id == in_review.id
        world.refused(reviewer, "preview", NotFound, release_id=unreviewed.id)
        world.refused(reviewer, "promo", NotReleased)
    world.refused("other_partner_reviewer", "preview", NotFound)
    assert world.code("owner", "preview").release_id == unreviewed.id


def test_unknown_mini_programs_and_partner_apps_are_not_found(world: World) -> None:
    assert "partner app" in world.refused("owner", "promo", NotFound, partner_app="nope")
    assert world.refused("outsider", "promo", NotFound, partner_app="nope") == (
        "mini program not found"
    )
    world.refused("owner", "promo", NotFound, partner_app="Bad Code\x00")
    with pytest.raises(NotFound):
        qrcode_for(
            world.session,
            world.who("admin"),
            mini_program_id="mp_missing",
            kind="promo",
            partner_app=world.partner.code,
        )


def test_issuing_a_code_is_audited(world: World) -> None:
    built = world.release(world.v1, "tested")
    qr = world.code("tester", "trial", page="pages/index/index", query="a=1")
    event = world.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "qrcode.create")
    ).one()
    assert (event.actor, event.mini_program_id, event.release_id, event.partner_app) == (
        world.actors["tester"].id,
        world.mp.id,
        built.id,
        world.partner.code,
    )
    assert event.after == {
        "kind": "trial",
        "page": "pages/index/index",
        "query": "a=1",
        "version": "1.0.0",
        "deep_link": qr.deep_link,
    }
    assert dict(parse_qsl(urlsplit(qr.deep_link).query))["appId"] == world.mp.app_id
