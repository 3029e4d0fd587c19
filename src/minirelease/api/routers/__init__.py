"""One router per domain; the app includes them in this order."""

from minirelease.api.routers import (
    accounts,
    audit,
    compat_profiles,
    launch,
    listings,
    miniprograms,
    partners,
    releases,
    versions,
    workspaces,
)

ROUTERS = [
    accounts.router,
    workspaces.router,
    partners.router,
    miniprograms.router,
    versions.router,
    releases.router,
    compat_profiles.router,
    listings.router,
    launch.router,
    audit.router,
]
