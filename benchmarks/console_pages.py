"""The console's main pages at scale (issue 8): the median server time of each page with
1,000 mini programs and 10,000 releases, on SQLite and on PostgreSQL, next to two peers
measured in the same run: the bare floor (a route answering a constant page of the same
size) and the API's JSON for the same data where there is one.

    .venv/bin/python -m benchmarks.console_pages [--programs N] [--repeat R]
                                                 [--postgres URL]

Pages are requested in-process through the ASGI app (Starlette's TestClient), signed in
with a console session, so the figures are the server's work plus a small constant
client cost (the floor shows it). Target: every page's median at most 50 ms."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from benchmarks.console_world import World, populate
from benchmarks.manifest_rebuild import database
from minirelease import migrate
from minirelease.accounts import console_sessions
from minirelease.accounts.models import User
from minirelease.api.app import create_app
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.web.auth import SESSION_COOKIE

TARGET_MS = 50.0


@dataclass(frozen=True)
class Page:
    label: str
    who: str
    path: str
    api_path: str | None = None


def pages(world: World) -> list[Page]:
    w = world
    return [
        Page("Home", "owner", "/"),
        Page(
            "Workspace (1,000 programs, paged)",
            "owner",
            f"/workspaces/{w.workspace_id}",
            f"/api/v1/workspaces/{w.workspace_id}/mini-programs",
        ),
        Page(
            "Members",
            "owner",
            f"/workspaces/{w.workspace_id}/members",
            f"/api/v1/workspaces/{w.workspace_id}/members",
        ),
        Page(
            "Audit log",
            "owner",
            f"/workspaces/{w.workspace_id}/audit",
            f"/api/v1/audit?workspace_id={w.workspace_id}",
        ),
        Page(
            "Mini program",
            "owner",
            f"/mini-programs/{w.mini_program_id}",
            f"/api/v1/mini-programs/{w.mini_program_id}",
        ),
        Page(
            "Listing",
            "owner",
            f"/mini-programs/{w.mini_program_id}/partner-apps/{w.partner}",
            f"/api/v1/mini-programs/{w.mini_program_id}/partner-apps/{w.partner}",
        ),
        Page(
            "Release (grayscale)",
            "owner",
            f"/releases/{w.grayscale_release_id}",
            f"/api/v1/releases/{w.grayscale_release_id}",
        ),
        Page(
            "Platform review queue",
            "platform_reviewer",
            "/reviews?queue=platform",
            "/api/v1/releases?awaiting_review=platform&order=oldest",
        ),
        Page(
            "Partner review queue",
            "partner_reviewer",
            f"/reviews?queue={w.partner}",
            "/api/v1/releases?awaiting_review=partner&order=oldest",
        ),
        Page("Review sheet", "platform_reviewer", f"/reviews/{w.review_release_id}"),
        Page("Partner apps", "admin", "/partner-apps", "/api/v1/partner-apps"),
        Page(
            "Partner app",
            "admin",
            f"/partner-apps/{w.partner}",
            f"/api/v1/partner-apps/{w.partner}",
        ),
    ]


def _median_ms(client: TestClient, path: str, repeat: int, **kwargs: Any) -> tuple[float, int]:
    response = client.get(path, **kwargs)  # warm: compiled statements, templates
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(path, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(response.content)


def _clients(app: Any, sessions: sessionmaker[Any], world: World) -> dict[str, TestClient]:
    clients = {}
    for who, user_id in world.users.items():
        with sessions() as session:
            user = session.get(User, user_id)
            assert user is not None
            _, secret = console_sessions.open_session(
                session, user, console_sessions.SessionLifetimes()
            )
            session.commit()
        client = TestClient(app)
        client.cookies.set(SESSION_COOKIE, secret)
        clients[who] = client
    return clients


def measure(url: str, programs: int, releases_per_program: int, repeat: int) -> bool:
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        world = populate(sessions, programs, releases_per_program)
        app = create_app(Settings(data_dir=Path(tmp), database_url=url), sessions, run_jobs=False)
        floor_html = "<!doctype html><title>floor</title>" + "x" * 12_000

        @app.get("/__floor", include_in_schema=False)
        def floor() -> HTMLResponse:
            return HTMLResponse(floor_html)

        with TestClient(app):
            clients = _clients(app, sessions, world)
            floor_ms, _ = _median_ms(clients["owner"], "/__floor", repeat)
            print(
                f"{engine.dialect.name}: {world.programs:,} mini programs, "
                f"{world.releases:,} releases, {world.audit_events:,} audit events"
            )
            print(f"  {'page':<36} {'median':>8} {'size':>8} {'xfloor':>7} {'API':>8} {'xAPI':>6}")
            print(f"  {'floor (constant 12 KB page)':<36} {floor_ms:7.1f}ms")
            for page in pages(world):
                client = clients[page.who]
                ms, size = _median_ms(client, page.path, repeat)
                api = ""
                if page.api_path is not None:
                    token = {"Authorization": f"Bearer {world.tokens[page.who]}"}
                    api_ms, _ = _median_ms(client, page.api_path, repeat, headers=token)
                    api = f"{api_ms:7.1f}ms {ms / api_ms:5.2f}x"
                verdict = "" if ms <= TARGET_MS else "  OVER 50 ms"
                ok = ok and ms <= TARGET_MS
                print(
                    f"  {page.label:<36} {ms:7.1f}ms {size / 1024:6.1f}KB"
                    f" {ms / floor_ms:6.1f}x {api}{verdict}"
                )
            for client in clients.values():
                client.close()
    engine.dispose()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1_000)
    parser.add_argument("--releases-per-program", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--postgres", metavar="URL", default=None)
    args = parser.parse_args(argv)
    ok = True
    for postgres in (None, args.postgres) if args.postgres else (None,):
        with database(postgres) as url:
            ok = measure(url, args.programs, args.releases_per_program, args.repeat) and ok
    print("every page within 50 ms" if ok else "some page over 50 ms")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
