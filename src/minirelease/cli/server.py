"""``minirelease serve``, ``minirelease worker`` and ``minirelease db upgrade``."""

from __future__ import annotations

import sys
from typing import Any

from minirelease import migrate, scratch
from minirelease.config import Settings, load_settings

SWITCH_INTERVAL_SECONDS = 0.001


def prepare(settings: Settings) -> None:
    settings.ensure_dirs()
    # Half-received uploads and half-written builds of processes that were killed.
    scratch.sweep(settings.tmp_dir)
    try:
        migrate.upgrade_unless_ahead(settings.database_url)
    except migrate.SchemaNotCurrent as refusal:
        raise SystemExit(f"error: {refusal}") from None


def run_server(
    settings: Settings, host: str, port: int, *, default_log_format: str = "json"
) -> None:
    import uvicorn

    from minirelease.observability.setup import prepare_process

    prepare_process(settings, default_log_format)
    # uvicorn's lines go through our log handler; its access log (whole query strings,
    # secrets included) is replaced by the app's request log.
    app = _app_with_its_signing_key(settings)
    # The event loop answers launches while other threads work (the rollout cache applying
    # other processes' changes, the job runner): each time the loop wants the interpreter
    # back it may wait one switch interval, and at Python's default 5 ms those waits land
    # in the launches' tail latency. 1 ms costs a little more switching, and only here.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    # Idle and slow connections and oversized request heads are cut off; no banner.
    from minirelease.http.wire import uvicorn_options

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        access_log=False,
        **uvicorn_options(settings, app.state.launch_lane),
    )


def _app_with_its_signing_key(settings: Settings) -> Any:
    """The app, once its signing key is known to be the platform's active one: a refusal is
    one line and exit code 1 (the app's startup checks again, for other ways to run it)."""
    from minirelease.api.app import create_app
    from minirelease.build.signing import SigningKeyError
    from minirelease.signing_keys.startup import claim_signing_key

    try:
        app = create_app(settings)
        claim_signing_key(app.state.session_factory, app.state.signer)
    except SigningKeyError as refusal:
        raise SystemExit(f"error: {refusal} [{refusal.code}]") from None
    return app


def serve(host: str, port: int, *, no_jobs: bool = False) -> None:
    settings = load_settings()
    if no_jobs:  # the API only: ``minirelease worker`` processes run the jobs
        settings = settings.model_copy(update={"run_jobs": False})
    from minirelease.observability.setup import prepare_process

    prepare_process(settings, "json")  # before the migrations, which log too
    prepare(settings)
    run_server(settings, host, port)


def worker(
    concurrency: int | None, *, metrics_port: int | None = None, metrics_host: str = "127.0.0.1"
) -> None:
    from minirelease import worker as worker_process
    from minirelease.observability.setup import prepare_process

    settings = load_settings()
    prepare_process(settings, "json")
    prepare(settings)
    port = metrics_port or settings.worker_metrics_port
    address = worker_process.MetricsAddress(metrics_host, port) if port else None
    worker_process.run(settings, concurrency or settings.job_threads, address)


def upgrade() -> None:
    settings = load_settings()
    prepare(settings)
    print(f"database at head: {settings.database_url}")
