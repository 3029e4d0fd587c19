"""A platform at the console benchmark's scale, written with bulk inserts: one workspace
with N mini programs (default 1,000), ten releases each across three partner apps
(10,000), their versions and listings, twenty audit events per program, thirty members,
and the four people whose pages are timed (owner, platform reviewer, partner reviewer,
platform admin), each with an API token for the API peers."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from minirelease.accounts import tokens
from minirelease.accounts.models import ApiToken, User
from minirelease.audit import AuditEvent
from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.models import PartnerApp, PartnerReviewer
from minirelease.releases.models import Listing, Release
from minirelease.workspaces.models import DeveloperAssignment, Membership, Workspace

PARTNERS = (("superapp", "super_app"), ("wallet", "wallet"), ("lite", "lean_wallet"))
LIMITS = {"main_package_bytes": 2 << 20, "subpackage_bytes": 2 << 20, "total_bytes": 8 << 20}


@dataclass
class World:
    workspace_id: str = ""
    mini_program_id: str = ""
    partner: str = "wallet"
    grayscale_release_id: str = ""
    grayscale_release_ids: list[str] = field(default_factory=list)
    review_release_id: str = ""
    users: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    programs: int = 0
    releases: int = 0
    audit_events: int = 0


def _sha(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _people(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    users, api_tokens = [], []
    for who, admin, reviewer in (
        ("owner", False, False),
        ("platform_reviewer", False, True),
        ("partner_reviewer", False, False),
        ("admin", True, False),
    ):
        user_id, secret = new_id("usr"), tokens.generate()
        world.users[who], world.tokens[who] = user_id, secret
        users.append(
            {
                "id": user_id,
                "email": f"{who.replace('_', '-')}@bench.example.com",
                "is_platform_admin": admin,
                "is_platform_reviewer": reviewer,
            }
        )
        api_tokens.append(
            {
                "id": new_id("tok"),
                "user_id": user_id,
                "name": "bench",
                "token_hash": tokens.digest(secret),
            }
        )
    return users, api_tokens


def _release_status(program: int, index: int, partner: int, last: bool) -> str:
    """Older releases are archived; the last one per partner app is online, except that
    every third program is under review on the wallet and every fifth is in grayscale on
    the super app."""
    if not last:
        return "archived"
    if partner == 1 and program % 3 == 0:
        return "in_review"
    if partner == 0 and program % 5 == 0:
        return "grayscale"
    return "released"


def populate(sessions: sessionmaker[Any], programs: int, releases_per_program: int) -> World:
    world = World()
    users, api_tokens = _people(world)
    owner = world.users["owner"]
    now = dt.datetime.now(dt.UTC)
    world.workspace_id = new_id("ws")
    partner_ids = [new_id("pa") for _ in PARTNERS]
    rows: dict[Any, list[dict[str, Any]]] = {
        User: users,
        ApiToken: api_tokens,
        Workspace: [{"id": world.workspace_id, "name": "Bench Co.", "created_by": owner}],
        PartnerApp: [
            {
                "id": pid,
                "code": code,
                "name": code.title(),
                "deep_link_template": f"{code}://mini?appId={{app_id}}&page={{page}}",
                "package_limits": LIMITS,
                "capability_profile": shipped_profile(kind),
            }
            for pid, (code, kind) in zip(partner_ids, PARTNERS, strict=True)
        ],
        PartnerReviewer: [
            {"partner_app_id": partner_ids[1], "user_id": world.users["partner_reviewer"]}
        ],
        Membership: [],
        MiniProgram: [],
        Version: [],
        Release: [],
        Listing: [],
        AuditEvent: [],
        DeveloperAssignment: [],
    }
    rows[Membership].append(
        {"id": new_id("mem"), "workspace_id": world.workspace_id, "user_id": owner, "role": "owner"}
    )
    for n in range(programs):
        mp_id = new_id("mp")
        world.mini_program_id = world.mini_program_id or mp_id
        rows[MiniProgram].append(
            {
                "id": mp_id,
                "app_id": str(2021000000000000 + n),
                "workspace_id": world.workspace_id,
                "release_target": "alipay_plus",
                "name": f"Mini {n:04d}",
                "category": "tools",
                "server_domains": ["api.example.com"],
                "created_by": owner,
            }
        )
        online: dict[int, str] = {}
        for j in range(releases_per_program):
            partner = j % len(PARTNERS)
            version, version_id = f"1.{j}.0", new_id("ver")
            last = j >= releases_per_program - len(PARTNERS)
            status = _release_status(n, j, partner, last)
            rows[Version].append(
                {
                    "id": version_id,
                    "mini_program_id": mp_id,
                    "version": version,
                    "package_sha256": _sha(mp_id, version),
                    "package_size": 90_000,
                    "entry_count": 12,
                    "uncompressed_size": 300_000,
                    "app_json": {"pages": ["pages/index/index"]},
                    "uploaded_by": owner,
                }
            )
            release_id = new_id("rel")
            rows[Release].append(
                {
                    "id": release_id,
                    "mini_program_id": mp_id,
                    "partner_app_id": partner_ids[partner],
                    "version_id": version_id,
                    "version": version,
                    "status": status,
                    "basis_points": 500 if status == "grayscale" else 0,
                    "configuration": {},
                    "build_number": 1,
                    "build_status": "succeeded",
                    "build_sha256": _sha("build", mp_id, version),
                    "build_size": 95_000,
                    "build_log": ["built"],
                    "created_by": owner,
                    "basic_info": {"name": f"Mini {n:04d}", "description": "", "category": "tools"},
                    "server_domains": ["api.example.com"],
                    "h5_domains": [],
                    "released_at": now if status in ("released", "archived") else None,
                }
            )
            if status in ("released", "archived"):
                online[partner] = release_id
            if status == "grayscale":
                world.grayscale_release_ids.append(release_id)
                world.grayscale_release_id = world.grayscale_release_id or release_id
            if status == "in_review" and not world.review_release_id:
                world.review_release_id = release_id
        for partner, pid in enumerate(partner_ids):
            rows[Listing].append(
                {
                    "id": new_id("lst"),
                    "mini_program_id": mp_id,
                    "partner_app_id": pid,
                    "online_release_id": online.get(partner),
                }
            )
        for e in range(20):
            rows[AuditEvent].append(
                {
                    "id": new_id("aud"),
                    "occurred_at": now - dt.timedelta(minutes=n * 20 + e),
                    "actor": owner,
                    "action": "release.grayscale" if e % 2 else "version.upload",
                    "target_type": "release",
                    "target_id": f"rel_{n}_{e}",
                    "workspace_id": world.workspace_id,
                    "mini_program_id": mp_id,
                }
            )
    for m in range(30):
        user_id = new_id("usr")
        rows[User].append({"id": user_id, "email": f"dev{m}@bench.example.com"})
        membership_id = new_id("mem")
        rows[Membership].append(
            {
                "id": membership_id,
                "workspace_id": world.workspace_id,
                "user_id": user_id,
                "role": "developer",
            }
        )
        rows[DeveloperAssignment].append(
            {"membership_id": membership_id, "mini_program_id": rows[MiniProgram][m]["id"]}
        )
    with sessions() as session:
        for model, values in rows.items():
            if values:
                session.execute(insert(model), values)
        session.commit()
    world.programs = programs
    world.releases = len(rows[Release])
    world.audit_events = len(rows[AuditEvent])
    return world
