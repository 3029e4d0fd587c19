"""Generating a QR code (design §1 "Next steps", §9): what a code may point at and who may
have it. The rules for the request and the deep link are ``miniprograms/qrcodes.py``;
the API and the console both call ``qrcode_for`` and then ``render``.

- ``promo`` opens what is online on the partner app: the listing's online release. Before
  anything is online: ``not_released``; after removal: ``removed``.
- ``preview`` and ``trial`` open one built release to the partner app (its build
  succeeded and it is not canceled, archived or rolled back): the one named by
  ``release_id``, or else the newest the caller may open.

Who: whoever may read the release the code points at (releases/access.py: the team and
platform admins on every release; platform reviewers, and the partner app's own
reviewers, once a release reached review), and the mini program's testers
(``tester_user_ids`` holding the caller's user id) on every built release of it. Anyone
else gets 404, as for the mini program itself. Issuing a code is audited
(``qrcode.create``): a preview or trial code hands a build to whoever scans it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.access import mini_program_roles
from minirelease.authz import Permission, Principal, granted, without_reviewer_roles
from minirelease.errors import Conflict, NotFound, NotReleased, Removed, ValidationFailed
from minirelease.miniprograms import qrcodes
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.miniprograms.qrcodes import ImageFormat, Kind, QrCode
from minirelease.partners.models import PartnerApp
from minirelease.partners.profile import CODE_PATTERN
from minirelease.releases.access import release_roles
from minirelease.releases.models import Listing, Release
from minirelease.releases.state import TERMINAL, Status

__all__ = ["ImageFormat", "Kind", "QrCode", "qrcode_for", "render"]

render = qrcodes.render


def is_built(release: Release) -> bool:
    """Whether the release has a package a partner app can open."""
    return (
        release.build_status == "succeeded"
        and release.build_sha256 is not None
        and Status(release.status) not in TERMINAL
    )


def _insider(session: Session, principal: Principal, mp: MiniProgram) -> tuple[bool, bool]:
    """(insider, tester): whether the caller is on the mini program's team (or a platform
    admin), or one of its testers, either way entitled to know it exists."""
    roles = mini_program_roles(
        session, principal, workspace_id=mp.workspace_id, mini_program_id=mp.id
    )
    # Reviewer roles hold on a release only in context (release_roles), not here.
    roles = without_reviewer_roles(roles)
    tester = principal.user_id in mp.tester_user_ids
    return tester or Permission.RELEASE_READ in granted(roles), tester


@dataclass
class _Caller:
    """The caller's standing on one mini program and partner app."""

    session: Session
    principal: Principal
    mp: MiniProgram
    partner: PartnerApp
    insider: bool
    tester: bool

    def may_open(self, release: Release) -> bool:
        if self.tester:
            return True
        roles = release_roles(self.session, self.principal, release, self.mp)
        return Permission.RELEASE_READ in granted(roles)

    def sees_pair(self) -> bool:
        """Whether the caller may know the mini program is on the partner app at all."""
        return self.insider or any(self.may_open(r) for r in _releases(self))

    def hidden(self) -> NotFound:
        return NotFound("mini program not found")


def _releases(caller: _Caller) -> list[Release]:
    """The pair's releases, newest first."""
    return list(
        caller.session.scalars(
            select(Release)
            .where(
                Release.mini_program_id == caller.mp.id,
                Release.partner_app_id == caller.partner.id,
            )
            .order_by(Release.id.desc())
        )
    )


def _online(session: Session, caller: _Caller) -> Release:
    listing = session.scalar(
        select(Listing).where(
            Listing.mini_program_id == caller.mp.id, Listing.partner_app_id == caller.partner.id
        )
    )
    online = (
        session.get(Release, listing.online_release_id)
        if listing is not None and listing.online_release_id
        else None
    )
    if online is not None and listing is not None and listing.removal_status != "removed":
        if not caller.may_open(online):
            raise caller.hidden()
        return online
    if not caller.sees_pair():
        raise caller.hidden()
    code = caller.partner.code
    if listing is not None and listing.removal_status == "removed":
        raise Removed(f"this mini program was removed from partner app {code!r}")
    raise NotReleased(
        f"nothing of this mini program is online on partner app {code!r}: a promo code opens "
        "the online version; use a preview or trial code for a release not online yet"
    )


def _named(session: Session, caller: _Caller, release_id: str) -> Release:
    release = session.get(Release, release_id) if qrcodes.looks_like_id(release_id) else None
    if release is None or release.mini_program_id != caller.mp.id or not caller.may_open(release):
        if not caller.sees_pair():
            raise caller.hidden()
        raise NotFound("release of this mini program not found")
    if release.partner_app_id != caller.partner.id:
        other = session.get(PartnerApp, release.partner_app_id)
        raise ValidationFailed(
            f"release_id: release {release.id} goes to partner app "
            f"{other.code if other else '?'!r}, not {caller.partner.code!r}",
            field="release_id",
        )
    if not is_built(release):
        raise Conflict(
            f"release {release.id} is {release.status.replace('_', ' ')} "
            f"(build {release.build_status}): only a built release can be opened",
            status=release.status,
            build_status=release.build_status,
        )
    return release


def _newest_built(caller: _Caller) -> Release:
    releases = _releases(caller)
    for release in releases:
        if is_built(release) and caller.may_open(release):
            return release
    if not (caller.insider or any(caller.may_open(r) for r in releases)):
        raise caller.hidden()
    raise Conflict(
        f"no built release of this mini program to partner app {caller.partner.code!r}: "
        "choose the app and let the build finish first"
    )


def _partner(session: Session, code: str) -> PartnerApp | None:
    if not CODE_PATTERN.fullmatch(code):
        return None
    return session.scalar(select(PartnerApp).where(PartnerApp.code == code))


def qrcode_for(
    session: Session,
    principal: Principal,
    *,
    mini_program_id: str,
    kind: str,
    partner_app: str,
    page: str | None = None,
    query: str | None = None,
    release_id: str | None = None,
) -> QrCode:
    """The code of ``kind`` for the mini program on ``partner_app``, its issue audited in
    the caller's transaction (never committed here)."""
    request = qrcodes.check_request(kind=kind, page=page, query=query, release_id=release_id)
    mp = session.get(MiniProgram, mini_program_id)
    if mp is None:
        raise NotFound("mini program not found")
    insider, tester = _insider(session, principal, mp)
    partner = _partner(session, partner_app)
    if partner is None:
        # That the mini program exists is for who may know it only.
        what = f"partner app {partner_app[:40]!r}" if insider else "mini program"
        raise NotFound(f"{what} not found")
    caller = _Caller(session, principal, mp, partner, insider, tester)
    if request.kind is Kind.PROMO:
        release = _online(session, caller)
    elif request.release_id is not None:
        release = _named(session, caller, request.release_id)
    else:
        release = _newest_built(caller)
    version = session.get(Version, release.version_id)
    if version is None:  # versions go only with their mini program
        raise NotFound("mini program not found")
    qr = qrcodes.qrcode(
        request,
        template=partner.deep_link_template,
        partner_app=partner.code,
        mini_program_id=mp.id,
        app_id=mp.app_id,
        release_id=release.id,
        version=release.version,
        pages=qrcodes.version_pages(version.app_json),
    )
    audit.record(
        session,
        actor=principal.user_id,
        action="qrcode.create",
        target_type="mini_program",
        target_id=mp.id,
        workspace_id=mp.workspace_id,
        mini_program_id=mp.id,
        release_id=release.id,
        partner_app=partner.code,
        after={
            "kind": qr.kind.value,
            "page": qr.page,
            "query": qr.query,
            "version": qr.version,
            "deep_link": qr.deep_link,
        },
    )
    return qr
