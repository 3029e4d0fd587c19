"""The web console: server-rendered pages beside the API, over the same services.

Addresses mirror the API's resource paths without ``/api/v1`` (``/workspaces/{id}``,
``/releases/{id}`` …), so an id from the API opens its page. Pages are plain HTML forms
first; htmx, vendored under ``static/vendor``, swaps in fragments where scripts run."""

from __future__ import annotations

from fastapi import FastAPI

from minirelease.web.errors import install_error_pages
from minirelease.web.routes import ROUTERS
from minirelease.web.static import mount_static


def install_console(app: FastAPI) -> None:
    mount_static(app)
    install_error_pages(app)
    for router in ROUTERS:
        app.include_router(router)
