"""The mini program's pages, one router: the page itself and its icon, versions and
"Upload version", Choose App → Confirm, its releases, its listings per partner app and
their QR codes."""

from __future__ import annotations

from minirelease.web.router import console_router
from minirelease.web.routes import (
    choose_app,
    listings,
    miniprogram_icon,
    miniprograms,
    program_releases,
    qrcodes,
    versions,
)

router = console_router()
for _area in (
    miniprograms,
    miniprogram_icon,
    versions,
    choose_app,
    program_releases,
    listings,
    qrcodes,
):
    router.include_router(_area.router)
