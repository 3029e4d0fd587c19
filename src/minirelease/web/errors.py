"""Errors on console pages are pages, not problem+json: the API's one error mapping
(api/errors.py) asks this module first, so status codes and ``code`` values stay the
same on both faces. A request from htmx gets the message swapped into the page's alert
area instead of a whole page."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minirelease.web.auth import SignInRequired, login_url
from minirelease.web.templating import is_htmx, render, render_block

# Paths that belong to the API, its documents and the assets, never to console pages.
NOT_CONSOLE = ("/api/", "/openapi.json", "/docs", "/redoc", "/static/", "/healthz")


def is_console_request(request: Request) -> bool:
    path = request.url.path
    return not any(path == p.rstrip("/") or path.startswith(p) for p in NOT_CONSOLE)


def wants_page(request: Request) -> bool:
    """A console page's error is a page. Outside the console's routes (an unknown path),
    only for a browser asking for HTML: other clients keep problem+json."""
    if not is_console_request(request):
        return False
    endpoint = request.scope.get("endpoint")
    if getattr(endpoint, "__module__", "").startswith("minirelease.web."):
        return True
    return is_htmx(request) or "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request, status: int, code: str, detail: str, extra: dict[str, Any]
) -> Response | None:
    """The console's rendering of an error, or None to leave it to problem+json."""
    if not wants_page(request):
        return None
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    context = {"status": status, "code": code, "detail": detail, "extra": extra}
    if is_htmx(request):
        # Shown in the page's alert region; the status stays the real one, and htmx is
        # told to swap error responses (static/console.js).
        headers.update({"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"})
        return render_block(
            request, "error.html", "alert", context, status_code=status, headers=headers
        )
    return render(request, "error.html", context, status_code=status, headers=headers)


def _to_sign_in(request: Request, exc: SignInRequired) -> Response:
    target = login_url(exc.next_path)
    if is_htmx(request):
        return HTMLResponse("", status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_error_pages(app: FastAPI) -> None:
    app.state.error_page = error_page

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return _to_sign_in(request, exc)
