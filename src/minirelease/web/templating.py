"""Jinja2 rendering for the console: autoescaped HTML, one environment, and the values
every page needs (who is signed in, the CSRF token, asset URLs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from minirelease.web.static import static_url

TEMPLATES = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _size(value: int | None) -> str:
    if value is None:
        return ""
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024  # type: ignore[assignment]
    return str(value)


def _percent(basis_points: int | float | None) -> str:
    return "" if basis_points is None else f"{basis_points:g} %"


env.filters.update(when=_when, size=_size, percent=_percent)
env.globals.update(static_url=static_url)

# Responses that hold a signed-in user's data are never cached by the browser or a proxy.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def page_context(request: Request) -> dict[str, Any]:
    state = request.state
    return {
        "request": request,
        "viewer": getattr(state, "viewer", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "path": request.url.path,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page, or only its ``fragment`` block when htmx asks for a part of it."""
    values = {**page_context(request), **(context or {})}
    html = env.get_template(template).render(values)
    return HTMLResponse(
        html, status_code=status_code, headers={**PRIVATE_HEADERS, **(headers or {})}
    )


def render_block(
    request: Request,
    template: str,
    block: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """One named block of a template: the fragment htmx swaps in, rendered by the same
    template as the full page so the two cannot drift apart."""
    values = {**page_context(request), **(context or {})}
    compiled = env.get_template(template)
    html = "".join(compiled.blocks[block](compiled.new_context(values)))
    return HTMLResponse(
        html, status_code=status_code, headers={**PRIVATE_HEADERS, **(headers or {})}
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
