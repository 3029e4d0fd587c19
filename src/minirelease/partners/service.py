"""Use cases for partner apps, their reviewers and the platform reviewers. Services never
commit; every change records its audit event in the caller's transaction.

The partner app catalog is readable by every authenticated user: developers pick from it
("Choose App") and need each app's capability profile. Changing it is for platform admins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts.models import User
from minirelease.authz import Permission, Principal, require, roles_on_partner_app
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound, ValidationFailed
from minirelease.ids import new_id
from minirelease.pagination import Page, PageRequest, ascending, paginate
from minirelease.partners import profile
from minirelease.partners.models import PartnerApp, PartnerReviewer

# Settings a platform admin may change after creation. The code is not among them: deep
# links, launches and manifests are addressed by it.
EDITABLE_SETTINGS = (
    "name",
    "deep_link_template",
    "package_limits",
    "block_on_failing_report",
    "grayscale_deadline_days",
    "capability_profile",
)
# Package limits are not here: a change is merged over the app's current limits.
_SETTING_RULES: dict[str, Callable[[object], object]] = {
    "name": profile.validate_name,
    "deep_link_template": profile.validate_deep_link_template,
    "block_on_failing_report": profile.validate_block_on_failing_report,
    "grayscale_deadline_days": profile.validate_grayscale_deadline_days,
    "capability_profile": profile.validate_capability_profile,
}


def get_partner_app(session: Session, code: str) -> PartnerApp:
    app = session.scalar(select(PartnerApp).where(PartnerApp.code == code))
    if app is None:
        raise NotFound(f"partner app {code!r} not found")
    return app


def list_partner_apps(
    session: Session, principal: Principal, *, page: PageRequest | None = None
) -> Page[PartnerApp]:
    return paginate(session, select(PartnerApp), [ascending(PartnerApp.code)], page)


def read_partner_app(session: Session, principal: Principal, *, code: str) -> PartnerApp:
    return get_partner_app(session, code)


def create_partner_app(
    session: Session,
    principal: Principal,
    *,
    code: str,
    name: str,
    deep_link_template: str,
    capability_profile: Mapping[str, Any],
    package_limits: Mapping[str, Any] | None = None,
    block_on_failing_report: bool = False,
    grayscale_deadline_days: int = profile.DEFAULT_GRAYSCALE_DEADLINE_DAYS,
) -> PartnerApp:
    """Create a partner app; ``package_limits`` may name only some limits, the others
    keep the design §4 defaults. Every value is checked by ``partners/profile.py``."""
    require(principal.platform_roles(), Permission.PARTNER_APP_MANAGE, what="partner app")
    code = profile.validate_code(code)
    app = PartnerApp(
        id=new_id("pa"),
        code=code,
        name=profile.validate_name(name),
        deep_link_template=profile.validate_deep_link_template(deep_link_template),
        package_limits=dict(
            profile.validate_package_limits({} if package_limits is None else package_limits)
        ),
        block_on_failing_report=profile.validate_block_on_failing_report(block_on_failing_report),
        grayscale_deadline_days=profile.validate_grayscale_deadline_days(grayscale_deadline_days),
        capability_profile=dict(profile.validate_capability_profile(capability_profile)),
    )
    if session.scalar(select(PartnerApp.id).where(PartnerApp.code == code)) is not None:
        raise Conflict(f"a partner app with code {code!r} already exists")
    app.created_at = app.updated_at = utcnow()
    session.add(app)
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="partner_app.create",
        target_type="partner_app",
        target_id=app.id,
        partner_app=app.code,
        after=partner_app_snapshot(app),
    )
    return app


def update_partner_app(
    session: Session, principal: Principal, *, code: str, changes: Mapping[str, object]
) -> PartnerApp:
    """Apply ``changes`` (setting name → new value); only settings whose value really
    changes are written and audited. Package limits left out keep their current value."""
    require(principal.platform_roles(), Permission.PARTNER_APP_MANAGE, what="partner app")
    app = get_partner_app(session, code)
    if "code" in changes:
        raise ValidationFailed(
            "code: a partner app's code cannot be changed; create a new partner app instead",
            field="code",
        )
    unknown = sorted(set(changes) - set(EDITABLE_SETTINGS))
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(unknown)}; editable: {', '.join(EDITABLE_SETTINGS)}"
        )
    if not changes:
        raise ValidationFailed(f"nothing to change; give any of {', '.join(EDITABLE_SETTINGS)}")
    validated = {
        setting: _validated_setting(app, setting, value) for setting, value in changes.items()
    }
    changed = {k: v for k, v in validated.items() if getattr(app, k) != v}
    if not changed:
        return app
    before = {setting: getattr(app, setting) for setting in changed}
    for setting, value in changed.items():
        setattr(app, setting, value)
    app.updated_at = utcnow()
    audit.record(
        session,
        actor=principal.user_id,
        action="partner_app.update",
        target_type="partner_app",
        target_id=app.id,
        partner_app=app.code,
        before=before,
        after=changed,
    )
    return app


def _validated_setting(app: PartnerApp, setting: str, value: object) -> object:
    if setting == "package_limits":
        current = profile.validate_package_limits(app.package_limits)
        return profile.validate_package_limits(value, base=current)
    return _SETTING_RULES[setting](value)


def partner_app_snapshot(app: PartnerApp) -> dict[str, Any]:
    return {
        "code": app.code,
        "name": app.name,
        "deep_link_template": app.deep_link_template,
        "package_limits": app.package_limits,
        "block_on_failing_report": app.block_on_failing_report,
        "grayscale_deadline_days": app.grayscale_deadline_days,
        "capability_profile": app.capability_profile,
    }


def add_partner_reviewer(
    session: Session, principal: Principal, *, code: str, user_id: str
) -> tuple[User, PartnerApp]:
    require(principal.platform_roles(), Permission.PARTNER_APP_MANAGE, what="partner app")
    app = get_partner_app(session, code)
    user = _get_user(session, user_id)
    if session.get(PartnerReviewer, (app.id, user.id)) is not None:
        raise Conflict(f"user {user.email} is already a reviewer of partner app {code!r}")
    session.add(PartnerReviewer(partner_app_id=app.id, user_id=user.id))
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="partner_reviewer.add",
        target_type="user",
        target_id=user.id,
        partner_app=app.code,
        after=_reviewer_snapshot(user, app),
    )
    return user, app


def list_partner_reviewers(
    session: Session, principal: Principal, *, code: str, page: PageRequest | None = None
) -> Page[User]:
    require(
        roles_on_partner_app(principal, code),
        Permission.PARTNER_REVIEWERS_READ,
        what="partner app's reviewers",
    )
    app = get_partner_app(session, code)
    query = (
        select(User)
        .join(PartnerReviewer, PartnerReviewer.user_id == User.id)
        .where(PartnerReviewer.partner_app_id == app.id)
    )
    return paginate(session, query, [ascending(User.email)], page)


def remove_partner_reviewer(
    session: Session, principal: Principal, *, code: str, user_id: str
) -> None:
    require(principal.platform_roles(), Permission.PARTNER_APP_MANAGE, what="partner app")
    app = get_partner_app(session, code)
    reviewer = session.get(PartnerReviewer, (app.id, user_id))
    if reviewer is None:
        raise NotFound(f"user {user_id!r} is not a reviewer of partner app {code!r}")
    user = _get_user(session, user_id)
    session.delete(reviewer)
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="partner_reviewer.remove",
        target_type="user",
        target_id=user.id,
        partner_app=app.code,
        before=_reviewer_snapshot(user, app),
    )


def add_platform_reviewer(session: Session, principal: Principal, *, user_id: str) -> User:
    require(principal.platform_roles(), Permission.PLATFORM_REVIEWERS_MANAGE, what="reviewer")
    user = _get_user(session, user_id)
    if user.is_platform_reviewer:
        raise Conflict(f"user {user.email} is already a platform reviewer")
    _set_platform_reviewer(session, principal, user, True)
    return user


def list_platform_reviewers(
    session: Session, principal: Principal, *, page: PageRequest | None = None
) -> Page[User]:
    require(principal.platform_roles(), Permission.PLATFORM_REVIEWERS_MANAGE, what="reviewer")
    query = select(User).where(User.is_platform_reviewer.is_(True))
    return paginate(session, query, [ascending(User.email)], page)


def remove_platform_reviewer(session: Session, principal: Principal, *, user_id: str) -> None:
    require(principal.platform_roles(), Permission.PLATFORM_REVIEWERS_MANAGE, what="reviewer")
    user = _get_user(session, user_id)
    if not user.is_platform_reviewer:
        raise NotFound(f"user {user_id!r} is not a platform reviewer")
    _set_platform_reviewer(session, principal, user, False)


def _set_platform_reviewer(
    session: Session, principal: Principal, user: User, reviewer: bool
) -> None:
    user.is_platform_reviewer = reviewer
    audit.record(
        session,
        actor=principal.user_id,
        action="platform_reviewer.add" if reviewer else "platform_reviewer.remove",
        target_type="user",
        target_id=user.id,
        before={"email": user.email, "is_platform_reviewer": not reviewer},
        after={"email": user.email, "is_platform_reviewer": reviewer},
    )


def _get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id!r} not found")
    return user


def _reviewer_snapshot(user: User, app: PartnerApp) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email, "partner_app": app.code}
