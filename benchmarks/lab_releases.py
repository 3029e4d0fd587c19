"""Releases for the compatibility lab's benchmarks, made through the API: a partner app
with the shipped super-app profile, one mini program and many versions of a generated
program, each chosen for that app."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx2

from benchmarks import compat
from minirelease.partners.defaults import shipped_profile

ROOMY = {"main_package_bytes": 64 << 20, "subpackage_bytes": 64 << 20, "total_bytes": 64 << 20}


def program_zip(files: int, flagged_every: int | None = None) -> bytes:
    """A generated program of ``files`` files (benchmarks/compat.py), zipped."""
    generated = (
        compat.generate(files)
        if flagged_every is None
        else compat.generate(files, flagged_every=flagged_every)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(generated.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


def ok(response: httpx2.Response) -> Any:
    """The answer's JSON; anything but a success ends the benchmark with what it said."""
    if response.status_code >= 300:
        raise SystemExit(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


def seed_releases(api: httpx2.Client, package: bytes, count: int) -> list[str]:
    """``count`` versions of ``package`` chosen for the partner app ``lab``: the release
    ids (building)."""
    ok(
        api.post(
            "/partner-apps",
            json={
                "code": "lab",
                "name": "Lab",
                "deep_link_template": "lab://mini?appId={app_id}",
                "package_limits": ROOMY,
                "capability_profile": dict(shipped_profile("super_app")),
            },
        )
    )
    workspace = ok(api.post("/workspaces", json={"name": "Lab"}))["id"]
    program = ok(
        api.post(
            f"/workspaces/{workspace}/mini-programs",
            json={"name": "Lab", "category": "tools", "release_target": "alipay_plus"},
        )
    )["id"]
    ids = []
    for n in range(count):
        version = f"1.0.{n}"
        ok(
            api.post(
                f"/mini-programs/{program}/versions",
                data={"version": version},
                files={"package": ("lab.zip", package, "application/zip")},
            )
        )
        created = api.post(
            f"/mini-programs/{program}/releases", json={"version": version, "partner_app": "lab"}
        )
        ids.append(ok(created)["id"])
    return ids
