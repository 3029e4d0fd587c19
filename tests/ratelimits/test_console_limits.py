"""The console's forms count against the same limits as the API: a refused compatibility
run or invitation code is a page saying how long to wait, with status 429."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.releases.flow import built, scenario
from tests.web.console import sign_in


def test_compatibility_runs_from_the_console_count_with_the_apis(
    limited_client: TestClient, factory: Factory
) -> None:
    s = scenario(limited_client, factory)
    s.upload("1.0.0")
    release_id = built(s, "1.0.0")
    assert s.call("POST", f"/releases/{release_id}/compatibility-runs").status_code == 202
    page = sign_in(limited_client, factory, s.developer)
    refused = page.post(f"/releases/{release_id}/compatibility-runs/retest")
    assert refused.status_code == 429
    assert "too many compatibility runs from this account" in refused.text
    assert "text/html" in refused.headers["content-type"]


def test_wrong_invitation_codes_typed_in_the_console_are_limited(
    limited_client: TestClient, factory: Factory
) -> None:
    page = sign_in(limited_client, factory, factory.user())
    for attempt in range(2):  # 2 per account
        wrong = page.post("/invitations/accept", {"code": f"mri_wrong{attempt}"})
        assert wrong.status_code == 404
    refused = page.post("/invitations/accept", {"code": "mri_wrong-again"})
    assert refused.status_code == 429
    assert "too many unknown invitation tokens from this account" in refused.text
