"""Factories for test data: rows written directly, each call in its own committed unit of
work (a savepoint inside the test's transaction). Each returns what tests need next."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import sessionmaker

from minirelease.accounts import tokens
from minirelease.accounts.models import ApiToken, User
from minirelease.config import Settings
from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram
from minirelease.partners.models import PartnerApp, PartnerReviewer
from minirelease.telemetry import keys
from minirelease.telemetry.models import PartnerAppKey
from minirelease.workspaces.models import DeveloperAssignment, Membership, Workspace

_seq = itertools.count(1)

DEFAULT_LIMITS = {
    "main_package_bytes": 2 * 1024 * 1024,
    "subpackage_bytes": 2 * 1024 * 1024,
    "total_bytes": 8 * 1024 * 1024,
}

DEFAULT_PROFILE = {
    "jsapis": ["my.request", "my.navigateTo", "my.getStorage", "my.setStorage", "my.showToast"],
    "components": ["view", "text", "image", "button", "navigator", "web-view"],
    "os_versions": {"android": ["10", "11", "12", "13", "14"], "ios": ["15", "16", "17"]},
}


@dataclass
class Actor:
    user: User
    token: str

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    def __init__(self, session_factory: sessionmaker[Any], settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self._stable = itertools.count(1)

    def stable_code(self, stem: str) -> str:
        """``stem``, then ``stem-2``, ``stem-3``... in the order a test asks (a factory is
        one test's): the same codes in every test, so that what they name (a partner app
        quoted in compatibility reports) is the same too, and the replaying lab
        (tests/replaying_lab.py) can replay one test's run in the next."""
        n = next(self._stable)
        return stem if n == 1 else f"{stem}-{n}"

    def _save(self, *rows: Any) -> None:
        with self.session_factory() as session:
            session.add_all(rows)
            session.commit()

    def user(
        self,
        email: str | None = None,
        *,
        platform_admin: bool = False,
        platform_reviewer: bool = False,
    ) -> Actor:
        n = next(_seq)
        user = User(
            id=new_id("usr"),
            email=email or f"user{n}@example.com",
            is_platform_admin=platform_admin,
            is_platform_reviewer=platform_reviewer,
        )
        secret = tokens.generate()
        token = ApiToken(
            id=new_id("tok"), user_id=user.id, name="test", token_hash=tokens.digest(secret)
        )
        self._save(user)
        self._save(token)
        return Actor(user, secret)

    def workspace(self, owner: Actor | None = None, name: str = "Acme") -> tuple[Workspace, Actor]:
        owner = owner or self.user()
        workspace = Workspace(id=new_id("ws"), name=name, created_by=owner.id)
        self._save(workspace)
        self._save(
            Membership(id=new_id("mem"), workspace_id=workspace.id, user_id=owner.id, role="owner")
        )
        return workspace, owner

    def member(
        self,
        workspace: Workspace,
        role: str,
        *,
        mini_programs: tuple[MiniProgram, ...] = (),
        blocked: bool = False,
        actor: Actor | None = None,
    ) -> Actor:
        actor = actor or self.user()
        membership = Membership(
            id=new_id("mem"),
            workspace_id=workspace.id,
            user_id=actor.id,
            role=role,
            blocked=blocked,
        )
        self._save(membership)
        if mini_programs:
            self._save(
                *(
                    DeveloperAssignment(membership_id=membership.id, mini_program_id=mp.id)
                    for mp in mini_programs
                )
            )
        return actor

    def partner_app(self, code: str | None = None, **fields: Any) -> PartnerApp:
        n = next(_seq)
        values: dict[str, Any] = {
            "id": new_id("pa"),
            "code": code or f"wallet{n}",
            "name": f"Wallet {n}",
            "deep_link_template": "wallet://mini?appId={app_id}&page={page}",
            "package_limits": dict(DEFAULT_LIMITS),
            "capability_profile": dict(DEFAULT_PROFILE),
        }
        values.update(fields)
        app = PartnerApp(**values)
        self._save(app)
        return app

    def partner_reviewer(self, partner_app: PartnerApp, actor: Actor | None = None) -> Actor:
        actor = actor or self.user()
        self._save(PartnerReviewer(partner_app_id=partner_app.id, user_id=actor.id))
        return actor

    def partner_key(
        self, partner_app: PartnerApp, name: str = "backend", *, creator: Actor | None = None
    ) -> tuple[PartnerAppKey, str]:
        """A key of ``partner_app`` and its secret (for ``Authorization: Bearer``)."""
        secret = keys.generate()
        key = PartnerAppKey(
            id=new_id("pak"),
            partner_app_id=partner_app.id,
            name=name,
            key_hash=keys.digest(secret),
            hint=secret[: keys.HINT_LENGTH],
            created_by=(creator or self.user(platform_admin=True)).id,
        )
        self._save(key)
        return key, secret

    def mini_program(self, workspace: Workspace, creator: Actor, **fields: Any) -> MiniProgram:
        n = next(_seq)
        values: dict[str, Any] = {
            "id": new_id("mp"),
            "app_id": f"{2021000000000000 + n}",
            "workspace_id": workspace.id,
            "release_target": "alipay_plus",
            "name": f"Mini {n}",
            "description": "a test mini program",
            "category": "tools",
            "created_by": creator.id,
        }
        values.update(fields)
        mp = MiniProgram(**values)
        self._save(mp)
        return mp
