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
    program_manifest,
    qrcodes,
    releases,
    telemetry,
    versions,
    webhooks,
    workspaces,
)

# The partner apps' runtime routes first: routing tries routes in order (the launch
# itself is installed on the app ahead of all of these, see launch.install_launch_route).
ROUTERS = [
    launch.router,
    manifest.router,
    program_manifest.router,
    telemetry.router,
    accounts.router,
    workspaces.router,
    partners.router,
    partner_keys.router,
    miniprograms.router,
    versions.router,
    releases.router,
    compat_profiles.router,
    listings.router,
    qrcodes.router,
    webhooks.router,
    audit.router,
]
