"""Security headers (issue 12, item 5): nosniff on every response, a Content-Security-
Policy and framing refused on every HTML page (a page's own stricter policy kept), no
caching of private answers and of answers that carry secrets (a route's own caching
kept), HSTS over https only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.http.security_headers import CONSOLE_CSP, policy_for_page, secured
from tests.factories import Factory
from tests.releases.flow import after_test, released, scenario
from tests.web.console import sign_in

API = "/api/v1"


def csp(response: Any) -> str:
    return str(response.headers["content-security-policy"])


def assert_html_page(response: Any) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in csp(response)
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_every_response_is_nosniff(client: TestClient, factory: Factory) -> None:
    _, owner = factory.workspace()
    responses = [
        client.get("/healthz"),
        client.get(f"{API}/launch/nowhere/nothing"),  # a refused launch
        client.get(f"{API}/me"),  # 401
        client.get(f"{API}/me", headers=owner.headers),
        client.get(f"{API}/no-such-route"),
        client.post(f"{API}/workspaces", content=b"{", headers=owner.headers),  # unparsable
        client.get("/openapi.json"),
        client.get("/login"),
        client.get("/static/console.css"),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url
        assert response.headers.get("server") is None


def test_an_unexpected_error_answer_is_nosniff_too(client: TestClient) -> None:
    @client.app.get("/boom")  # type: ignore[attr-defined, misc]
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(client.app, raise_server_exceptions=False) as errors:
        response = errors.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"


def test_console_pages_allow_only_their_own_scripts_and_styles(
    client: TestClient, factory: Factory
) -> None:
    _, owner = factory.workspace()
    console = sign_in(client, factory, owner)
    for page in (client.get("/login"), console.get("/"), console.get("/partner-apps")):
        assert page.status_code == 200, page.text
        assert_html_page(page)
        assert csp(page) == CONSOLE_CSP.decode()
        assert "'unsafe-inline'" not in csp(page) and "'unsafe-eval'" not in csp(page)
        assert page.headers["cache-control"] == "no-store"
        # Nothing inline for the policy to block: scripts and styles come from /static.
        assert "<script>" not in page.text and " style=" not in page.text


def test_the_api_docs_run_their_inline_script_by_its_digest(client: TestClient) -> None:
    docs = client.get("/docs")
    assert_html_page(docs)
    assert csp(docs) == policy_for_page(docs.content)
    assert "'sha256-" in csp(docs) and "script-src 'self' 'sha256-" in csp(docs)
    assert_html_page(client.get("/redoc"))


def test_a_stored_report_keeps_its_stricter_policy_and_refuses_framing(
    client: TestClient, factory: Factory
) -> None:
    s = scenario(client, factory)
    s.upload("1.0.0")
    release_id = after_test(s, "1.0.0")
    run_id = s.ok("GET", f"/releases/{release_id}")["compatibility"]["run_id"]
    report = s.call("GET", f"/releases/{release_id}/compatibility-runs/{run_id}/report.html")
    assert report.status_code == 200, report.text
    assert_html_page(report)
    assert csp(report) == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    assert report.headers["cache-control"] == "no-store"  # asked with a token


def test_secrets_and_private_answers_are_not_stored(client: TestClient, factory: Factory) -> None:
    workspace, owner = factory.workspace()
    token = client.post(f"{API}/me/tokens", json={"name": "ci"}, headers=owner.headers)
    assert token.status_code == 201 and token.json()["token"]
    invitation = client.post(
        f"{API}/workspaces/{workspace.id}/invitations",
        json={"email": "new@example.com", "role": "master"},
        headers=owner.headers,
    )
    assert invitation.status_code == 201, invitation.text
    # Accepted without credentials: the answer carries the new account's token.
    accepted = client.post(f"{API}/invitations/accept", json={"token": invitation.json()["token"]})
    assert accepted.status_code == 200 and accepted.json()["token"], accepted.text
    me = client.get(f"{API}/me", headers=owner.headers)
    for response in (token, invitation, accepted, me):
        assert response.headers["cache-control"] == "no-store", response.request.url


def test_public_answers_keep_their_caching(client: TestClient, factory: Factory) -> None:
    s = scenario(client, factory)
    released(s, "1.0.0")
    manifest = client.get(f"{API}/partner-apps/{s.partner}/manifest")
    assert manifest.status_code == 200
    assert manifest.headers["cache-control"].startswith("public, max-age=5")
    launch = s.launch("user-1")
    assert launch.status_code == 200
    assert "cache-control" not in launch.headers  # no credentials, nothing private
    package = client.get(launch.json()["package"]["url"])
    assert package.headers["cache-control"] == "public, max-age=31536000, immutable"
    # With credentials, a route that chose its caching keeps it too.
    again = client.get(launch.json()["package"]["url"], headers=s.developer.headers)
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("base_url", "hsts"), [("http://testserver", False), ("https://testserver", True)]
)
def test_hsts_only_over_https(client: TestClient, base_url: str, hsts: bool) -> None:
    with TestClient(client.app, base_url=base_url) as over:
        response = over.get("/healthz")
    assert ("strict-transport-security" in response.headers) is hsts
    if hsts:
        assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_secured_adds_only_what_is_missing() -> None:
    launch = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    assert secured(launch, False, False) == [
        *launch,
        (b"x-content-type-options", b"nosniff"),
    ]
    own = [
        (b"content-type", b"text/html"),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'self'"),
        (b"cache-control", b"public, max-age=60"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
    ]
    assert secured(own, True, False) == [*own, (b"x-frame-options", b"DENY")]
    cookie = [(b"set-cookie", b"a=b")]
    assert (b"cache-control", b"no-store") in secured(cookie, False, False)
