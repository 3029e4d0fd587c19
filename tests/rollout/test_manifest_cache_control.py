"""The README's caching promise for manifests, exactly: `Cache-Control: public,
max-age=5, stale-while-revalidate=10` on the manifest and on its 304."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory

README_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=10"


def test_manifest_is_cacheable_for_5_s_and_stale_while_revalidate_for_10(
    client: TestClient, factory: Factory
) -> None:
    url = f"/api/v1/partner-apps/{factory.partner_app().code}/manifest"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["cache-control"] == README_CACHE_CONTROL
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == README_CACHE_CONTROL
