"""Issue 12, item 4: failed authentications, invitation guesses, uploads and compatibility
runs are limited per client and per account, answered 429 problem+json with Retry-After,
counted on the database so that every process of a deployment shares them."""

from __future__ import annotations

from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from minirelease.miniprograms.models import Version
from minirelease.releases.models import CompatibilityRun
from tests.factories import Factory
from tests.miniprograms.test_versions_api import upload
from tests.packages.zips import project, zip_bytes
from tests.ratelimits.conftest import MakeClient
from tests.releases.flow import API, built, problem, scenario
from tests.workspaces.helpers import accept, invite

WRONG_TOKEN = {"Authorization": "Bearer mrt_not-a-token-of-anyone"}


def _rate_limited(response: httpx2.Response, limit: str) -> dict[str, Any]:
    body = problem(response, 429, "rate_limited")
    assert body["limit"] == limit
    assert int(response.headers["retry-after"]) == body["retry_after"] >= 1
    return body


def test_a_client_failing_to_authenticate_is_refused_after_its_limit(
    limited_client: TestClient, factory: Factory
) -> None:
    for _ in range(3):
        problem(limited_client.get(f"{API}/me", headers=WRONG_TOKEN), 401, "unauthenticated")
    body = _rate_limited(limited_client.get(f"{API}/me", headers=WRONG_TOKEN), "failed_auth")
    assert "too many failed authentications from this client" in body["detail"]
    assert body["retry_after"] <= 60
    # A valid token is never held back, nor a request that sent no credentials.
    owner = factory.user()
    assert limited_client.get(f"{API}/me", headers=owner.headers).status_code == 200
    for _ in range(5):
        problem(limited_client.get(f"{API}/me"), 401, "unauthenticated")


def test_failed_authentications_are_counted_across_processes(make_client: MakeClient) -> None:
    first, second = make_client(), make_client()
    for client in (first, second, first):
        problem(client.get(f"{API}/me", headers=WRONG_TOKEN), 401, "unauthenticated")
    _rate_limited(second.get(f"{API}/me", headers=WRONG_TOKEN), "failed_auth")


def _versions(session_factory: sessionmaker[Any], mp_id: str) -> int:
    with session_factory() as session:
        query = select(func.count()).where(Version.mini_program_id == mp_id)
        return int(session.scalar(query) or 0)


def test_uploads_are_limited_per_account_before_the_body_is_read(
    limited_client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(limited_client, factory)
    for version in ("1.0.0", "1.0.1"):
        s.upload(version)
    refused = upload(
        limited_client, s.mini_program_id, zip_bytes(project()), s.developer.headers, version="2.0"
    )
    body = _rate_limited(refused, "upload")
    assert "too many uploads from this account" in body["detail"]
    # Counted before the body is looked at: a broken one is refused the same way.
    broken = upload(limited_client, s.mini_program_id, b"not a zip", s.developer.headers)
    _rate_limited(broken, "upload")
    assert _versions(session_factory, s.mini_program_id) == 2
    # The owner's account has its own count; someone without the right to upload there
    # is refused for that, without spending anything.
    owner = upload(
        limited_client, s.mini_program_id, zip_bytes(project()), s.owner.headers, version="2.0.0"
    )
    assert owner.status_code == 201, owner.text
    outsider = factory.user()
    problem(
        upload(limited_client, s.mini_program_id, zip_bytes(project()), outsider.headers),
        404,
        "not_found",
    )


def test_compatibility_runs_are_limited_per_account(
    limited_client: TestClient, factory: Factory, session_factory: sessionmaker[Any]
) -> None:
    s = scenario(limited_client, factory)
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    assert s.call("POST", f"/releases/{release_id}/compatibility-runs").status_code == 202
    body = _rate_limited(s.call("POST", f"/releases/{release_id}/compatibility-runs"), "compat_run")
    assert "too many compatibility runs from this account" in body["detail"]
    with session_factory() as session:
        runs = session.scalar(select(func.count()).where(CompatibilityRun.release_id == release_id))
    assert runs == 1


def test_wrong_invitation_tokens_are_limited_and_then_even_the_right_one_waits(
    limited_client: TestClient, factory: Factory
) -> None:
    workspace, owner = factory.workspace()
    token = invite(limited_client, workspace, owner, "dana@example.com", "developer").json()
    for attempt in range(4):  # 4 per client
        problem(accept(limited_client, f"mri_wrong{attempt}"), 404, "not_found")
    body = _rate_limited(accept(limited_client, token["token"]), "invitation_guess")
    assert "too many unknown invitation tokens from this client" in body["detail"]


def test_a_signed_in_account_guessing_invitations_is_limited_on_its_own(
    make_client: MakeClient, factory: Factory
) -> None:
    client = make_client(rate_limit_invitation_guesses_per_client="100/hour")
    workspace, owner = factory.workspace()
    guesser = factory.user("erin@example.com")
    token = invite(client, workspace, owner, "erin@example.com", "developer").json()["token"]
    for attempt in range(2):  # 2 per account
        problem(accept(client, f"mri_wrong{attempt}", guesser), 404, "not_found")
    body = _rate_limited(accept(client, token, guesser), "invitation_guess")
    assert "from this account" in body["detail"]
    # Anonymous tries from the same client are counted per client only.
    problem(accept(client, "mri_wrong-anonymous"), 404, "not_found")
