"""Request and response bodies for workspaces, invitations and members."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from minirelease.schemas import Body, Read

# Bounds the work one request can ask for; a workspace has far fewer mini programs.
MAX_ASSIGNMENTS = 500

MiniProgramIds = list[str]


class WorkspaceCreate(Body):
    name: str = Field(min_length=1, max_length=100)


class WorkspaceRead(Read):
    id: str
    name: str
    created_at: dt.datetime
    role: str | None = Field(
        description="The caller's role here; null for a platform admin who is not a member."
    )


class InvitationCreate(Body):
    email: str = Field(max_length=320)
    role: Literal["master", "developer"]
    mini_program_ids: MiniProgramIds = Field(
        default_factory=list,
        max_length=MAX_ASSIGNMENTS,
        description="Developers only: the mini programs they will work on.",
    )


class InvitationRead(Read):
    id: str
    workspace_id: str
    email: str
    role: str
    mini_program_ids: MiniProgramIds
    invited_by: str
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationCreated(InvitationRead):
    token: str = Field(description="The invitation secret; shown this once and never again.")


class InvitationAccept(Body):
    # In the body, never the URL: paths and queries end up in access logs and histories.
    token: str = Field(
        min_length=1, max_length=200, description="The invitation secret the invitee was sent."
    )


class InvitationAccepted(Read):
    workspace_id: str
    role: str
    user_id: str
    token: str | None = Field(
        default=None,
        description="An API token for an account created by this acceptance; shown once.",
    )


class MemberRead(Read):
    user_id: str
    email: str
    role: str
    blocked: bool
    mini_program_ids: MiniProgramIds = Field(description="Assigned mini programs (developers).")


class MemberUpdate(Body):
    role: Literal["owner", "master", "developer"] | None = None
    blocked: bool | None = None
    mini_program_ids: MiniProgramIds | None = Field(default=None, max_length=MAX_ASSIGNMENTS)
