"""The demo's world served for a browser: a fresh database migrated and seeded by
``minirelease demo``'s own seed, the app (jobs running) served by uvicorn on a thread.
Used by the browser tests' ``live_console`` fixture and by tools/console_screenshots.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minirelease import migrate
from minirelease.api.app import create_app
from minirelease.cli import demo
from minirelease.compat.lab import CompatibilityLab
from minirelease.config import Settings
from minirelease.db import make_engine, make_session_factory
from minirelease.http.wire import uvicorn_options
from tests.releases.live import serving_in_thread


@dataclass
class LiveConsole:
    """The demo's world, served: its users' passwords, its workspace and mini program."""

    url: str
    settings: Settings
    session_factory: Any
    people: demo.DemoPeople
    js_errors: list[str] = field(default_factory=list)

    def email(self, name: str) -> str:
        return f"{name}@{demo.DOMAIN}"

    def password(self, name: str) -> str:
        return self.people.passwords[name]

    def token(self, name: str) -> str:
        return self.people.tokens[name]


@contextmanager
def serving_demo(
    database_url: str,
    data_dir: Path,
    *,
    lab: CompatibilityLab | None = None,
    wire: bool = False,
    **options: Any,
) -> Iterator[LiveConsole]:
    """Serve the demo's world on an empty database at ``database_url``. ``lab`` is a
    shared compatibility lab, or None for the app's own (closed when it stops); ``wire``:
    with the connection options ``minirelease demo`` serves with; ``options`` are more
    settings."""
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        job_threads=2,
        deadline_check_seconds=3600,
        ramp_check_seconds=3600,
        **options,
    )
    settings.ensure_dirs()
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        session_factory = make_session_factory(engine)
        people = demo.seed(settings, session_factory)
        app = create_app(settings, session_factory, run_jobs=True, lab=lab)
        served = uvicorn_options(settings, app.state.launch_lane) if wire else {}
        with serving_in_thread(app, **served) as url:
            yield LiveConsole(url, settings, session_factory, people)
    finally:
        engine.dispose()
