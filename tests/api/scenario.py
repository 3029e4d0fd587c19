"""One world in which every caller of the permission matrix has a place: a workspace with
an owner (and a second owner), a master, a developer assigned to the mini program, another
developer assigned only to a second mini program, a blocked master; a platform admin, a
platform reviewer, a partner app with its reviewer, and an outsider. The mini program has
an icon and one uploaded version whose package is in the blob store, released and online
on the partner app; the workspace has a pending invitation for a developer and one for a
master; the owner has a spare API token.

Built with the factories (rows written directly, no HTTP); the test's transaction rolls it
back. The permission matrix and the hostile-input suite build it once per module and
database and run each case in a savepoint of it (tests/api/worlds.py)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minirelease.accounts import tokens
from minirelease.accounts.models import ApiToken
from minirelease.db import utcnow
from minirelease.ids import new_id
from minirelease.miniprograms.models import Version
from minirelease.packages.rules import UploadLimits
from minirelease.packages.zipcheck import PackageInfo, inspect_package
from minirelease.releases.models import Listing, Release
from minirelease.storage.local import LocalBlobStore
from minirelease.webhooks.models import Webhook, WebhookDelivery
from minirelease.workspaces.models import Invitation
from tests.factories import Actor, Factory
from tests.miniprograms.images import png
from tests.packages.zips import WITH_SUBPACKAGES, project, zip_bytes

ANONYMOUS = "anonymous"
INVALID_TOKEN = "invalid_token"
OUTSIDER = "outsider"
OWNER = "owner"
MASTER = "master"
DEVELOPER = "developer"  # assigned to the mini program
OTHER_DEVELOPER = "other_developer"  # a developer of the workspace, not assigned to it
BLOCKED = "blocked"  # a blocked master of the workspace
PLATFORM_ADMIN = "platform_admin"
PLATFORM_REVIEWER = "platform_reviewer"
PARTNER_REVIEWER = "partner_reviewer"  # of the scenario's partner app

CALLERS = (
    ANONYMOUS,
    INVALID_TOKEN,
    OUTSIDER,
    OWNER,
    MASTER,
    DEVELOPER,
    OTHER_DEVELOPER,
    BLOCKED,
    PLATFORM_ADMIN,
    PLATFORM_REVIEWER,
    PARTNER_REVIEWER,
)

# The email of the pending developer invitation: no account has it.
INVITEE_EMAIL = "invitee@example.com"
VERSION = "1.0.0"
ICON = png()
# The package the scenario's version was uploaded with, and a different one to upload.
STORED_PACKAGE = zip_bytes(project())
NEW_PACKAGE = zip_bytes(project(WITH_SUBPACKAGES))


@dataclass(frozen=True)
class Scenario:
    actors: dict[str, Actor]
    co_owner: Actor
    workspace_id: str
    mini_program_id: str
    other_mini_program_id: str
    partner_app_code: str
    version: str
    spare_token_id: str
    developer_invitation_id: str
    developer_invitation_token: str
    master_invitation_id: str
    partner_key_id: str
    webhook_id: str
    delivery_id: str

    def user_id(self, caller: str) -> str:
        return self.actors[caller].id

    def headers(self, caller: str) -> dict[str, str]:
        if caller == ANONYMOUS:
            return {}
        if caller == INVALID_TOKEN:
            return {"Authorization": f"Bearer {tokens.generate()}"}
        return self.actors[caller].headers


def build_scenario(factory: Factory) -> Scenario:
    workspace, owner = factory.workspace(name="Matrix")
    co_owner = factory.member(workspace, "owner")
    mp = factory.mini_program(
        workspace,
        owner,
        icon=ICON,
        icon_content_type="image/png",
        icon_sha256=hashlib.sha256(ICON).hexdigest(),
    )
    other_mp = factory.mini_program(workspace, owner)
    partner_app = factory.partner_app()
    actors = {
        OUTSIDER: factory.user(),
        OWNER: owner,
        MASTER: factory.member(workspace, "master"),
        DEVELOPER: factory.member(workspace, "developer", mini_programs=(mp,)),
        OTHER_DEVELOPER: factory.member(workspace, "developer", mini_programs=(other_mp,)),
        BLOCKED: factory.member(workspace, "master", blocked=True),
        PLATFORM_ADMIN: factory.user(platform_admin=True),
        PLATFORM_REVIEWER: factory.user(platform_reviewer=True),
        PARTNER_REVIEWER: factory.partner_reviewer(partner_app),
    }
    now = utcnow()
    spare_token = ApiToken(
        id=new_id("tok"), user_id=owner.id, name="spare", token_hash=tokens.digest("spare")
    )
    invitation_token = tokens.generate()
    developer_invitation = _invitation(
        workspace.id, owner, INVITEE_EMAIL, "developer", [mp.id], invitation_token, now
    )
    master_invitation = _invitation(
        workspace.id, owner, "future-master@example.com", "master", [], tokens.generate(), now
    )
    version = _stored_version(factory, mp.id, owner)
    partner_key, _ = factory.partner_key(partner_app, creator=actors[PLATFORM_ADMIN])
    webhook, delivery = _webhook(workspace.id, owner, now)
    with factory.session_factory() as session:
        session.add_all([spare_token, developer_invitation, master_invitation, version, webhook])
        session.flush()
        session.add_all([*_online(version, partner_app.id, owner, now), delivery])
        session.commit()
    return Scenario(
        actors=actors,
        co_owner=co_owner,
        workspace_id=workspace.id,
        mini_program_id=mp.id,
        other_mini_program_id=other_mp.id,
        partner_app_code=partner_app.code,
        version=VERSION,
        spare_token_id=spare_token.id,
        developer_invitation_id=developer_invitation.id,
        developer_invitation_token=invitation_token,
        master_invitation_id=master_invitation.id,
        partner_key_id=partner_key.id,
        webhook_id=webhook.id,
        delivery_id=delivery.id,
    )


def _invitation(
    workspace_id: str,
    inviter: Actor,
    email: str,
    role: str,
    mini_program_ids: list[str],
    secret: str,
    now: dt.datetime,
) -> Invitation:
    return Invitation(
        id=new_id("inv"),
        workspace_id=workspace_id,
        email=email,
        role=role,
        mini_program_ids=mini_program_ids,
        token_hash=tokens.digest(secret),
        invited_by=inviter.id,
        created_at=now,
        expires_at=now + dt.timedelta(days=3),
    )


def _webhook(workspace_id: str, owner: Actor, now: dt.datetime) -> tuple[Webhook, WebhookDelivery]:
    """An endpoint of the workspace (at a public address: no setting needed) and one
    delivered ping in its log."""
    webhook = Webhook(
        id=new_id("whk"),
        workspace_id=workspace_id,
        url="https://93.184.216.34/hook",
        events=["*"],
        description="",
        enabled=True,
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        created_by=owner.id,
        created_at=now,
        updated_at=now,
    )
    delivery = WebhookDelivery(
        id=new_id("msg"),
        webhook_id=webhook.id,
        event_type="webhook.ping",
        body='{"type":"webhook.ping","timestamp":"2026-12-07T00:00:00Z","data":{}}',
        status="succeeded",
        attempts=1,
        last_status_code=200,
        created_at=now,
        updated_at=now,
        finished_at=now,
    )
    return webhook, delivery


def _online(version: Version, partner_app_id: str, owner: Actor, now: dt.datetime) -> list[Any]:
    """The version released on the partner app, as a full release leaves it: online there
    (for what needs something online, such as a promo QR code)."""
    release = Release(
        id=new_id("rel"),
        mini_program_id=version.mini_program_id,
        partner_app_id=partner_app_id,
        version_id=version.id,
        version=version.version,
        status="released",
        basis_points=10_000,
        configuration={},
        build_status="succeeded",
        build_sha256=version.package_sha256,
        build_size=version.package_size,
        basic_info={"name": "Matrix"},
        released_at=now,
        created_by=owner.id,
    )
    listing = Listing(
        id=new_id("lst"),
        mini_program_id=version.mini_program_id,
        partner_app_id=partner_app_id,
        online_release_id=release.id,
    )
    return [release, listing]


def _stored_version(factory: Factory, mini_program_id: str, uploader: Actor) -> Version:
    """A version row as an upload leaves it, with its package in the blob store."""
    sha256 = hashlib.sha256(STORED_PACKAGE).hexdigest()
    blob = LocalBlobStore(factory.settings.blob_dir).path(sha256)
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(STORED_PACKAGE)
    info = _stored_package_info()
    return Version(
        id=new_id("ver"),
        mini_program_id=mini_program_id,
        version=VERSION,
        description="first",
        package_sha256=sha256,
        package_size=len(STORED_PACKAGE),
        entry_count=info.entry_count,
        uncompressed_size=info.uncompressed_size,
        app_json=info.manifest.summary(),
        uploaded_by=uploader.id,
    )


@functools.cache
def _stored_package_info() -> PackageInfo:
    """The package checked once, by the real rules, as an upload would have checked it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "package.zip"
        path.write_bytes(STORED_PACKAGE)
        return inspect_package(path, UploadLimits())
