"""One router per domain; the app includes them in this order."""

from minirelease.api.routers import (
    accounts,
    audit,
    compat_profiles,
    launch,
    listings,
    manifest,
    miniprograms,
    partner_keys,
    partners,
    releases,
    telemetry,
    versions,
    workspaces,
)

ROUTERS = [
    accounts.router,
    workspaces.router,
    partners.router,
    partner_keys.router,
    miniprograms.router,
    versions.router,
    releases.router,
    compat_profiles.router,
    listings.router,
    launch.router,
    telemetry.router,
    manifest.router,
    audit.router,
]
