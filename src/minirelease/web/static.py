"""The console's own assets, served by minirelease itself (nothing from another host).

URLs carry a digest of the file's content, so a browser may keep them for a year and
still never run a stale script after an upgrade."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/static"


class VersionedFiles(StaticFiles):
    """Static files with cache headers: a year, immutable, for digest-versioned URLs; five
    minutes for a URL without its digest."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if versioned else "public, max-age=300"
            )
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


@cache
def _digest(relative: str) -> str:
    return hashlib.sha256((STATIC_DIR / relative).read_bytes()).hexdigest()[:12]


def static_url(relative: str) -> str:
    """``/static/<relative>?v=<content digest>``."""
    return f"{PREFIX}/{relative}?v={_digest(relative)}"


def mount_static(app: FastAPI) -> None:
    app.mount(PREFIX, VersionedFiles(directory=STATIC_DIR), name="static")
