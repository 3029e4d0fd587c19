"""``minirelease serve`` and ``minirelease db upgrade``."""

from __future__ import annotations

from minirelease import migrate, scratch
from minirelease.config import Settings, load_settings


def prepare(settings: Settings) -> None:
    settings.ensure_dirs()
    # Half-received uploads and half-written builds of processes that were killed.
    scratch.sweep(settings.tmp_dir)
    migrate.upgrade(settings.database_url)


def run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from minirelease.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def serve(host: str, port: int) -> None:
    settings = load_settings()
    prepare(settings)
    run_server(settings, host, port)


def upgrade() -> None:
    settings = load_settings()
    prepare(settings)
    print(f"database at head: {settings.database_url}")
