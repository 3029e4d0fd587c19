"""``minirelease demo``: seed the embedded database with a realistic set-up through the
same services the API uses, print every demo user's console password and API token and
curl lines to try, then serve."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.accounts import service as accounts
from minirelease.accounts import signin
from minirelease.accounts.models import User
from minirelease.authz import Principal
from minirelease.cli import sample_app
from minirelease.cli.server import prepare, run_server
from minirelease.config import Settings, load_settings
from minirelease.db import make_engine, make_session_factory
from minirelease.miniprograms import service as miniprograms
from minirelease.miniprograms import versions
from minirelease.miniprograms.models import MiniProgram
from minirelease.packages.receive import receive_file
from minirelease.packages.rules import UploadLimits
from minirelease.partners import service as partners
from minirelease.partners.defaults import shipped_profile
from minirelease.scratch import ScratchDir
from minirelease.storage import open_blob_store
from minirelease.uow import UnitOfWork
from minirelease.workspaces import invitations
from minirelease.workspaces import service as workspaces

DEMO_ACTOR = "system:demo"
DOMAIN = "demo.example.com"

PARTNER_APPS = (
    (
        "superapp",
        "SuperApp",
        "super_app",
        "superapp://mini?appId={app_id}&page={page}&query={query}",
    ),
    (
        "wallet",
        "Pocket Wallet",
        "wallet",
        "pocketwallet://applet?id={app_id}&page={page}&query={query}",
    ),
    (
        "lite",
        "Lite Wallet",
        "lean_wallet",
        "https://lite.example.com/m/{app_id}?page={page}&query={query}",
    ),
)


@dataclass
class DemoPeople:
    tokens: dict[str, str]
    passwords: dict[str, str]
    workspace_id: str
    mini_program_id: str
    app_id: str


def run_demo(host: str, port: int, *, serve: bool) -> None:
    settings = load_settings()
    if "MINIRELEASE_WEBHOOKS_ALLOW_PRIVATE" not in os.environ:
        # The demo runs on a developer's machine: its webhooks may reach receivers there.
        settings = settings.model_copy(update={"webhooks_allow_private": True})
    prepare(settings)
    engine = make_engine(settings.database_url)
    try:
        people = seed(settings, make_session_factory(engine))
    finally:
        engine.dispose()
    base = f"http://{host}:{port}"
    print(render_welcome(people, base, settings.data_dir), flush=True)
    if serve:
        run_server(settings, host, port, default_log_format="text")


def _principal(session: Session, user: User) -> Principal:
    return accounts.principal_for(session, user)


def _user(session: Session, name: str, **roles: bool) -> User:
    email = f"{name}@{DOMAIN}"
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None:
        return existing
    return accounts.create_user(session, email=email, actor=DEMO_ACTOR, **roles)


def seed(settings: Settings, session_factory: Any) -> DemoPeople:
    """Idempotent: a second run keeps the data and issues fresh tokens."""
    with UnitOfWork(session_factory) as uow:
        session = uow.session
        admin = _user(session, "admin", platform_admin=True)
        first_run = session.scalar(select(User).where(User.email == f"owner@{DOMAIN}")) is None
        if first_run:
            _seed_platform(session, _principal(session, admin))
            _seed_workspace(session, settings, uow)
        passwords = _passwords(session, settings)
        people = _tokens(session, passwords)
        uow.commit()
    # Written once the passwords are committed, never ahead of them.
    _save_passwords(settings, passwords)
    return people


def _seed_platform(session: Session, admin: Principal) -> None:
    reviewer = _user(session, "platform-reviewer")
    partners.add_platform_reviewer(session, admin, user_id=reviewer.id)
    for code, name, kind, template in PARTNER_APPS:
        partners.create_partner_app(
            session,
            admin,
            code=code,
            name=name,
            deep_link_template=template,
            capability_profile=shipped_profile(kind),
            block_on_failing_report=code == "lite",
        )
        partner_reviewer = _user(session, f"{code}-reviewer")
        partners.add_partner_reviewer(session, admin, code=code, user_id=partner_reviewer.id)


def _seed_workspace(session: Session, settings: Settings, uow: UnitOfWork) -> None:
    owner_user = _user(session, "owner")
    owner = _principal(session, owner_user)
    ws = workspaces.create_workspace(session, owner, name="Demo Coffee Co.")
    mp = miniprograms.create_mini_program(
        session,
        owner,
        workspace_id=ws.id,
        name="Coffee Order",
        description="Order ahead and pick up at the counter.",
        category="food",
        release_target="alipay_plus",
    )
    miniprograms.update_mini_program(
        session,
        owner,
        mini_program_id=mp.id,
        server_domains=["api.coffee.example.com", "*.cdn.coffee.example.com"],
        h5_domains=["www.coffee.example.com"],
        tester_user_ids=["tester-001", "tester-002"],
    )
    # Masters and developers join the way real ones do: invited, then accepting.
    for name, role, assigned in (("master", "master", ()), ("developer", "developer", (mp.id,))):
        member = _principal(session, _user(session, name))
        _, secret = invitations.create_invitation(
            session,
            owner,
            workspace_id=ws.id,
            email=member.email,
            role=role,
            mini_program_ids=assigned,
        )
        invitations.accept_invitation(session, member, token=secret)
    _upload(session, settings, uow, owner, mp.id, "1.0.0")
    _write_sample(settings, "1.1.0")


def _upload(
    session: Session,
    settings: Settings,
    uow: UnitOfWork,
    principal: Principal,
    mini_program_id: str,
    version: str,
) -> None:
    source = _write_sample(settings, version)
    # Staged under the data directory's tmp/, in a directory of this process's own.
    with ScratchDir(settings.tmp_dir) as scratch:
        upload = receive_file(
            source,
            tmp_dir=scratch.path,
            max_bytes=settings.max_upload_bytes,
            fields={"version": version, "description": f"Coffee Order {version}"},
        )
        try:
            versions.upload_version(
                session,
                principal,
                mini_program_id=mini_program_id,
                upload=upload,
                limits=UploadLimits(max_upload_bytes=settings.max_upload_bytes),
                store=open_blob_store(settings),
                on_rollback=uow.on_rollback,
            )
        finally:
            upload.discard()


def _write_sample(settings: Settings, version: str) -> Path:
    path = settings.data_dir / "demo" / f"coffee-order-{version}.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sample_app.build_zip(version))
    return path


DEMO_USERS = (
    "admin",
    "platform-reviewer",
    "owner",
    "master",
    "developer",
    *(f"{code}-reviewer" for code, *_ in PARTNER_APPS),
)


def _passwords(session: Session, settings: Settings) -> dict[str, str]:
    """Console passwords: random on the first run, kept in the data directory (readable by
    its owner only) so later runs print the same ones."""
    path = _passwords_file(settings)
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for name in DEMO_USERS:
        if name in known:
            continue
        known[name] = f"{name}-{secrets.token_urlsafe(9)}"
        signin.set_password(
            session, email=f"{name}@{DOMAIN}", password=known[name], actor=DEMO_ACTOR
        )
    return {name: known[name] for name in DEMO_USERS}


def _passwords_file(settings: Settings) -> Path:
    return settings.data_dir / "demo" / "passwords.json"


def _save_passwords(settings: Settings, passwords: dict[str, str]) -> None:
    path = _passwords_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(passwords, file, indent=2)


def _tokens(session: Session, passwords: dict[str, str]) -> DemoPeople:
    tokens: dict[str, str] = {}
    for name in DEMO_USERS:
        user = session.scalar(select(User).where(User.email == f"{name}@{DOMAIN}"))
        assert user is not None, f"demo user {name} was seeded"
        _, tokens[name] = accounts.issue_token(session, user=user, name="demo", actor=DEMO_ACTOR)
    mp = session.scalar(select(MiniProgram).where(MiniProgram.name == "Coffee Order"))
    assert mp is not None
    return DemoPeople(tokens, passwords, mp.workspace_id, mp.id, mp.app_id)


def render_welcome(people: DemoPeople, base: str, data_dir: Path) -> str:
    t = people.tokens
    lines = [
        "minirelease demo: seeded",
        f"  data directory: {data_dir}",
        f"  workspace {people.workspace_id}  mini program {people.mini_program_id}"
        f" (app_id {people.app_id})",
        "",
        f"Console: open {base}/login and sign in as any of these users:",
        *(f"  {name + '@' + DOMAIN:<36} {password}" for name, password in people.passwords.items()),
        "",
        "API tokens (fresh on every run; shown once):",
        *(f"  {name:<20} {token}" for name, token in t.items()),
        "",
        "Try:",
        f"  export OWNER={t['owner']} ADMIN={t['admin']} DEV={t['developer']}",
        f'  curl -s {base}/api/v1/me -H "Authorization: Bearer $OWNER"',
        f'  curl -s {base}/api/v1/partner-apps -H "Authorization: Bearer $DEV"',
        f"  curl -s {base}/api/v1/workspaces/{people.workspace_id}/members"
        ' -H "Authorization: Bearer $OWNER"',
        f"  curl -s {base}/api/v1/mini-programs/{people.mini_program_id}/versions"
        ' -H "Authorization: Bearer $DEV"',
        f"  curl -s {base}/api/v1/mini-programs/{people.mini_program_id}/versions"
        ' -H "Authorization: Bearer $DEV" -F version=1.1.0 -F description="New menu"'
        f" -F package=@{data_dir / 'demo' / 'coffee-order-1.1.0.zip'}",
        f'  curl -s "{base}/api/v1/audit?workspace_id={people.workspace_id}"'
        ' -H "Authorization: Bearer $OWNER"',
        f'  curl -s "{base}/api/v1/releases?status=released&limit=10"'
        ' -H "Authorization: Bearer $OWNER"',
        f"  open {base}/docs for the whole API",
    ]
    return "\n".join(lines)
