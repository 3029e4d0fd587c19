"""The API routes as the application itself declares them (hidden ones included), and which
of them the cross-cutting API suites cover. The release process (releases, listings on a
partner app, compatibility runs, launch with its manifests and built packages, the signing
key) is out of scope until its issue lands; everything else under ``/api/v1`` must be
covered."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fastapi.routing import iter_route_contexts

from minirelease.api.app import API_PREFIX, create_app
from minirelease.config import Settings

Route = tuple[str, str]  # (method, path template under /api/v1)

OUT_OF_SCOPE = re.compile(
    r"/releases(/|$)"  # releases and everything under them
    r"|^/mini-programs/\{[^}]+\}/partner-apps(/|$)"  # listings: online version, removal
    r"|compatibility"
    r"|^/launch(/|$)"
    r"|^/packages/"  # built packages, downloaded by partner apps at launch
    # the runtime manifests partner apps download: a partner app's, one mini program's
    r"|^/partner-apps/\{[^}]+\}(/mini-programs/\{[^}]+\})?/manifest$"
    r"|signing-key"
    # Authenticated by a partner app key, not a user's token: the user callers of the
    # matrix do not apply. Its own auth and hostile-input tests: tests/telemetry/.
    r"|^/telemetry$"
)


def api_routes() -> set[Route]:
    """Every (method, path) the application serves under the API prefix."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir}/unused.db")
        app = create_app(settings, run_jobs=False)
        contexts = list(iter_route_contexts(app.routes))
    routes: set[Route] = set()
    for context in contexts:
        path = context.path or ""
        if not path.startswith(API_PREFIX + "/"):
            continue
        for method in context.methods or ():
            if method != "HEAD":
                routes.add((method, path.removeprefix(API_PREFIX)))
    return routes


def in_scope_routes() -> set[Route]:
    return {route for route in api_routes() if not OUT_OF_SCOPE.search(route[1])}
