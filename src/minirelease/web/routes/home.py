"""Home: the user's workspaces, the invitations waiting for them and, for reviewers, what
waits in each review queue."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from minirelease.api.deps import DbSession
from minirelease.releases import review_queues
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router
from minirelease.web.templating import render
from minirelease.workspaces import invitations
from minirelease.workspaces import service as workspaces

router = console_router()


@router.get("/")
def home(request: Request, viewer: Viewer, session: DbSession) -> Response:
    return render(
        request,
        "home.html",
        {
            "workspaces": workspaces.list_workspaces(session, viewer),
            "invitations": invitations.pending_for(session, viewer),
            "queues": review_queues.queues(session, viewer),
        },
    )
