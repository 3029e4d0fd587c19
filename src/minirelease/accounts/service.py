"""Use cases for users and API tokens. Services never commit: the caller's unit of work
does, so a failure anywhere leaves nothing behind."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.accounts import tokens
from minirelease.accounts.models import ApiToken, User
from minirelease.authz import Permission, Principal, require
from minirelease.db import utcnow
from minirelease.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from minirelease.ids import new_id
from minirelease.pagination import Page, PageRequest, ascending, paginate
from minirelease.partners.models import PartnerApp, PartnerReviewer


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 320 or any(c.isspace() for c in email):
        raise ValidationFailed(f"not a valid email address: {email!r}")
    return email


def create_user(
    session: Session,
    *,
    email: str,
    actor: str,
    platform_admin: bool = False,
    platform_reviewer: bool = False,
) -> User:
    email = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        id=new_id("usr"),
        email=email,
        is_platform_admin=platform_admin,
        is_platform_reviewer=platform_reviewer,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.id,
        after=user_snapshot(user),
    )
    return user


def create_user_as(
    session: Session, principal: Principal, *, email: str, platform_admin: bool = False
) -> User:
    require(principal.platform_roles(), Permission.USERS_MANAGE, what="user")
    return create_user(session, email=email, actor=principal.user_id, platform_admin=platform_admin)


def issue_token(session: Session, *, user: User, name: str, actor: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never retrievable again."""
    if not name.strip() or len(name) > 100:
        raise ValidationFailed("token name must be 1 to 100 characters")
    secret = tokens.generate()
    token = ApiToken(
        id=new_id("tok"),
        user_id=user.id,
        name=name.strip(),
        token_hash=tokens.digest(secret),
        created_at=utcnow(),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.create",
        target_type="api_token",
        target_id=token.id,
        after={"user_id": user.id, "name": token.name},
    )
    return token, secret


def list_tokens(
    session: Session, principal: Principal, *, page: PageRequest | None = None
) -> Page[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == principal.user_id)
    return paginate(session, query, [ascending(ApiToken.id)], page)


def revoke_token(session: Session, principal: Principal, *, token_id: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != principal.user_id:
        raise NotFound("token not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor=principal.user_id,
            action="token.revoke",
            target_type="api_token",
            target_id=token.id,
            before={"revoked": False},
            after={"revoked": True},
        )
    return token


def authenticate(session: Session, secret: str | None) -> Principal:
    if not secret:
        raise Unauthenticated("an API token is required: Authorization: Bearer <token>")
    # Every API request starts here, so one round trip: the token's state, its user and
    # the partner apps the user reviews (one row per partner app, or one with none).
    rows = session.execute(
        select(
            ApiToken.revoked_at,
            User.id,
            User.email,
            User.is_platform_admin,
            User.is_platform_reviewer,
            PartnerApp.code,
        )
        .select_from(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(PartnerReviewer, PartnerReviewer.user_id == User.id)
        .outerjoin(PartnerApp, PartnerApp.id == PartnerReviewer.partner_app_id)
        .where(ApiToken.token_hash == tokens.digest(secret))
    ).all()
    if not rows or rows[0].revoked_at is not None:
        raise Unauthenticated("the API token is invalid or revoked")
    user = rows[0]
    return Principal(
        user_id=user.id,
        email=user.email,
        is_platform_admin=user.is_platform_admin,
        is_platform_reviewer=user.is_platform_reviewer,
        partner_reviewer_of=frozenset(row.code for row in rows if row.code is not None),
    )


def principal_for(session: Session, user: User) -> Principal:
    partner_codes = session.scalars(
        select(PartnerApp.code)
        .join(PartnerReviewer, PartnerReviewer.partner_app_id == PartnerApp.id)
        .where(PartnerReviewer.user_id == user.id)
    )
    return Principal(
        user_id=user.id,
        email=user.email,
        is_platform_admin=user.is_platform_admin,
        is_platform_reviewer=user.is_platform_reviewer,
        partner_reviewer_of=frozenset(partner_codes),
    )


def user_snapshot(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "is_platform_admin": user.is_platform_admin,
        "is_platform_reviewer": user.is_platform_reviewer,
    }


def user_by_email(session: Session, email: str) -> User:
    """The user with that email; ``NotFound`` naming it otherwise (for forms that take an
    email where the API takes a user id)."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"no user with email {email.strip()}")
    return user
