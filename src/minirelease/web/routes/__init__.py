"""One router per console area, included after the API's."""

from minirelease.web.routes import (
    compat,
    home,
    invitations,
    miniprogram_pages,
    partner_apps,
    platform,
    releases,
    reviews,
    rollout,
    session,
    workspace_audit,
    workspace_members,
    workspaces,
)

ROUTERS = [
    releases.router,  # the release page; its compatibility section: compat.router
    compat.router,
    session.router,
    home.router,
    reviews.router,
    rollout.router,
    workspaces.router,
    workspace_members.router,
    workspace_audit.router,
    invitations.router,
    miniprogram_pages.router,
    partner_apps.router,
    platform.router,
]
