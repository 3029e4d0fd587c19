"""The API documentation works without internet: /docs and /redoc load only assets the
app serves itself, and the OpenAPI document describes authentication and the problem+json
errors as the API really answers them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from minirelease.api.app import API_PREFIX
from minirelease.api.errors import PROBLEM_JSON
from minirelease.api.openapi import install_openapi

CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}
PAGES = {
    "/docs": {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"},
    "/redoc": {"redoc.standalone.js", "favicon-32x32.png"},
}
AUTHENTICATED = ("get", f"{API_PREFIX}/workspaces/{{workspace_id}}")
PUBLIC = [
    ("get", f"{API_PREFIX}/launch/{{partner_app}}/{{app_id}}"),
    ("get", f"{API_PREFIX}/partner-apps/{{code}}/manifest"),
    ("get", f"{API_PREFIX}/partner-apps/{{code}}/mini-programs/{{app_id}}/manifest"),
    ("get", f"{API_PREFIX}/signing-key"),
]


class _Resources(HTMLParser):
    """Every URL a page makes the browser load: script src, link href, img src…"""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster") and value is not None:
                self.urls.append(value)


def resources(html: str) -> list[str]:
    parser = _Resources()
    parser.feed(html)
    parser.close()
    return parser.urls


@pytest.fixture
def client(shared_app: FastAPI) -> TestClient:
    # No lifespan: neither the pages, their assets nor the document touch the database.
    return TestClient(shared_app)


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_loads_only_assets_served_by_the_app(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # No address of another host at all: no CDN, Google fonts, favicon or validator badge.
    assert not re.search(r"https?:|//[a-z0-9]", response.text, re.IGNORECASE), response.text
    urls = resources(response.text)
    assert {url.split("?")[0].rsplit("/", 1)[-1] for url in urls} == PAGES[page]
    for url in urls:
        assert url.startswith("/static/vendor/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = "." + url.split("?")[0].rsplit(".", 1)[-1]
        assert asset.headers["content-type"].split(";")[0] in CONTENT_TYPES[suffix], url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert len(asset.content) > 100, url


def test_the_stylesheet_loads_nothing_from_another_host(client: TestClient) -> None:
    css_url = next(url for url in resources(client.get("/docs").text) if ".css" in url)
    css = client.get(css_url).text
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css, re.IGNORECASE)


def test_redoc_is_told_not_to_load_google_fonts(client: TestClient) -> None:
    assert "fonts.googleapis" not in client.get("/redoc").text


def test_asset_urls_change_with_the_content_and_follow_the_root_path(shared_app: FastAPI) -> None:
    proxied = TestClient(shared_app, root_path="/minirelease")
    page = proxied.get("/docs").text
    urls = resources(page)
    assert urls and all(url.startswith("/minirelease/static/vendor/") for url in urls)
    assert all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in urls)
    assert "url: '/minirelease/openapi.json'" in page


def test_unversioned_assets_are_cached_briefly(client: TestClient) -> None:
    response = client.get("/static/vendor/redoc/redoc.standalone.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert client.get("/static/vendor/redoc/missing.js").status_code == 404


def test_the_document_declares_the_bearer_schemes(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["partnerKey"]["type"] == "http"
    assert schemes["partnerKey"]["scheme"] == "bearer"


def _operation(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = openapi["paths"][path][method]
    return operation


def _resolve(openapi: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = openapi["components"][section][name]
    return node


def test_an_authenticated_operation_has_security_and_problem_responses(
    openapi: dict[str, Any],
) -> None:
    operation = _operation(openapi, *AUTHENTICATED)
    assert operation["security"] == [{"bearerAuth": []}]
    for status in ("401", "403", "404", "422"):
        response = _resolve(openapi, operation["responses"][status])
        assert list(response["content"]) == [PROBLEM_JSON], status
        schema = _resolve(openapi, response["content"][PROBLEM_JSON]["schema"])
        assert {"type", "title", "status", "detail", "code", "instance", "errors"} <= set(
            schema["properties"]
        )
        assert set(schema["required"]) == {"type", "title", "status", "detail", "code", "instance"}


def test_writes_document_conflicts(openapi: dict[str, Any]) -> None:
    operation = _operation(openapi, "post", f"{API_PREFIX}/releases/{{release_id}}/halt")
    assert set(operation["responses"]) >= {"401", "403", "404", "409", "422"}


def test_no_operation_documents_fastapi_s_validation_error(openapi: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    content = _resolve(openapi, response)["content"]
                    assert list(content) == [PROBLEM_JSON], (method, path, status)


def test_partner_app_key_and_optional_token_operations(openapi: dict[str, Any]) -> None:
    telemetry = _operation(openapi, "post", f"{API_PREFIX}/telemetry")
    assert telemetry["security"] == [{"partnerKey": []}]
    assert {"401", "403", "422"} <= set(telemetry["responses"])
    keys = _operation(openapi, "post", f"{API_PREFIX}/partner-apps/{{code}}/keys")
    assert keys["security"] == [{"bearerAuth": []}]  # managed by users, with their tokens
    for path in (f"{API_PREFIX}/packages/{{sha256}}", f"{API_PREFIX}/invitations/accept"):
        method = "post" if path.endswith("accept") else "get"
        assert _operation(openapi, method, path)["security"] == [{"bearerAuth": []}, {}]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_operations_need_no_token(openapi: dict[str, Any], method: str, path: str) -> None:
    operation = _operation(openapi, method, path)
    assert "security" not in operation
    assert not {"401", "403"} & set(operation["responses"])
    assert "/healthz" not in openapi["paths"]


def test_the_document_is_valid_openapi(openapi: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi)


def test_a_regenerated_document_is_completed_again() -> None:
    app = FastAPI()
    install_openapi(app)

    @app.get("/things/{thing_id}")
    def read_thing(thing_id: str) -> None: ...

    assert "404" in app.openapi()["paths"]["/things/{thing_id}"]["get"]["responses"]
    assert app.openapi() is app.openapi()

    @app.post("/things")
    def create_thing() -> None: ...

    responses = app.openapi()["paths"]["/things"]["post"]["responses"]
    assert responses["409"] == {"$ref": "#/components/responses/Conflict"}
