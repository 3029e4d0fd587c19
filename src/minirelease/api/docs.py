"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), working
without internet: their scripts, styles and favicon are vendored in the package
(``web/static/vendor``, see its README) and served with the console's assets under
``/static`` (web/static.py: digest-versioned URLs, cached for a year), and the pages refer
to no other host (no CDN, no Google fonts, no online validator). The pages themselves are
revalidated."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from minirelease.http.security_headers import policy_for_page
from minirelease.web.static import static_url

SWAGGER_JS = "vendor/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = "vendor/swagger-ui/swagger-ui.css"
FAVICON = "vendor/swagger-ui/favicon-32x32.png"
REDOC_JS = "vendor/redoc/redoc.standalone.js"

# Swagger UI's default would show a badge image from validator.swagger.io.
SWAGGER_PARAMETERS = {"validatorUrl": None}
PAGE_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def asset_url(request: Request, relative: str) -> str:
    """``<root path>/static/<relative>?v=<content digest>``."""
    return f"{_root_path(request)}{static_url(relative)}"


def _root_path(request: Request) -> str:
    root_path: str = request.scope.get("root_path", "")
    return root_path.rstrip("/")


def install_docs(app: FastAPI) -> None:
    """Adds ``/docs`` and ``/redoc``; the app is made with ``docs_url=None,
    redoc_url=None`` so FastAPI's CDN-loading pages are not added."""
    openapi_url = app.openapi_url
    if openapi_url is None:
        return

    # The pages read the app from the request, never from this closure: FastAPI keeps the
    # endpoint functions it has seen in module-level caches, and a closure over the app
    # would keep every app ever made alive (thousands in a test session).
    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        app = request.app
        page = get_swagger_ui_html(
            openapi_url=_root_path(request) + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset_url(request, SWAGGER_JS),
            swagger_css_url=asset_url(request, SWAGGER_CSS),
            swagger_favicon_url=asset_url(request, FAVICON),
            # Bearer tokens only, no OAuth2 flow: no redirect page is needed.
            oauth2_redirect_url=None,
            swagger_ui_parameters=SWAGGER_PARAMETERS | (app.swagger_ui_parameters or {}),
        )
        page.headers.update(PAGE_HEADERS)
        page.headers["Content-Security-Policy"] = policy_for_page(bytes(page.body))
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        app = request.app
        page = get_redoc_html(
            openapi_url=_root_path(request) + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset_url(request, REDOC_JS),
            redoc_favicon_url=asset_url(request, FAVICON),
            with_google_fonts=False,
        )
        page.headers.update(PAGE_HEADERS)
        page.headers["Content-Security-Policy"] = policy_for_page(bytes(page.body))
        return page
