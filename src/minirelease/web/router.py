"""Every console router is made here: outside the API's schema, CSRF-checked."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from minirelease.web.auth import require_csrf


def console_router() -> APIRouter:
    return APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
