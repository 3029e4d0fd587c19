"""Reading and changing the compatibility profiles. The effective profiles are the shipped
defaults with the stored rows over them: a row is written the first time an admin changes
a default or adds a profile, so nothing is seeded before it is needed and two first reads
never race to seed. Services never commit; every change records its audit event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minirelease import audit
from minirelease.authz import Permission, Principal, require
from minirelease.compat.models import CompatProfile
from minirelease.compat.profiles import (
    DEFAULT_PROFILES,
    KINDS,
    OS_NAME_PATTERN,
    Kind,
    ProfileSet,
    profile_set,
    validate_kind,
    validate_profile,
)
from minirelease.errors import Conflict
from minirelease.pagination import Page, PageRequest, paginate_sequence


@dataclass(frozen=True)
class StoredProfile:
    kind: Kind
    name: str
    data: dict[str, Any]
    customized: bool  # False while the shipped default applies


def list_profiles(
    session: Session, principal: Principal, *, page: PageRequest | None = None
) -> Page[StoredProfile]:
    """Every profile, by kind (os, network, device), each kind in presentation order."""
    return paginate_sequence(_effective(session), lambda p: (p.kind, p.name), page)


def current_profiles(session: Session) -> ProfileSet:
    """The profiles a new run's matrix is built from."""
    by_kind: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    for profile in _effective(session):
        by_kind[profile.kind][profile.name] = profile.data
    return profile_set(by_kind)


def put_profile(
    session: Session, principal: Principal, *, kind: str, name: str, data: Mapping[str, Any]
) -> StoredProfile:
    """Change a profile or add one (platform admins only). The data is validated for its
    kind, so a run can never meet a profile it cannot evaluate."""
    require(principal.platform_roles(), Permission.PARTNER_APP_MANAGE, what="compat profile")
    checked_kind = validate_kind(kind)
    validate_profile(checked_kind, name, data)
    value = dict(data)
    row = session.get(CompatProfile, (checked_kind, name), with_for_update=True)
    before = row.data if row is not None else DEFAULT_PROFILES[checked_kind].get(name)
    if row is None:
        row = CompatProfile(kind=checked_kind, name=name, data=value, updated_by=principal.user_id)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            raise Conflict(f"{checked_kind} profile {name!r} was just changed; retry") from None
    else:
        row.data = value
        row.updated_by = principal.user_id
    session.flush()
    audit.record(
        session,
        actor=principal.user_id,
        action="compat_profile.put",
        target_type="compat_profile",
        target_id=f"{checked_kind}/{name}",
        before={"data": before} if before is not None else None,
        after={"data": value},
    )
    return StoredProfile(checked_kind, name, value, customized=True)


def _effective(session: Session) -> list[StoredProfile]:
    stored = {(row.kind, row.name): row.data for row in session.scalars(select(CompatProfile))}
    profiles: list[StoredProfile] = []
    for kind in KINDS:
        defaults = DEFAULT_PROFILES[kind]
        added = sorted(
            name for stored_kind, name in stored if stored_kind == kind and name not in defaults
        )
        names = [*defaults, *added]
        if kind == "os":  # by platform, then version: android-16 comes before ios-12
            names.sort(key=_os_order)
        for name in names:
            data = stored.get((kind, name))
            profiles.append(
                StoredProfile(kind, name, dict(data or defaults[name]), customized=data is not None)
            )
    return profiles


def _os_order(name: str) -> tuple[str, tuple[int, ...], str]:
    match = OS_NAME_PATTERN.fullmatch(name)
    if match is None:
        return ("", (), name)
    return (match.group(1), tuple(int(part) for part in match.group(2).split(".")), name)
