"""The server side of ``minirelease``: serve, demo, database and administration commands.

They work on the configured database directly (``MINIRELEASE_DATABASE_URL``), so they
run on the server's machine; each imports the server's modules only when it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from minirelease.cli.exits import Exit

HostOpt = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOpt = Annotated[int, typer.Option("--port", help="Port to listen on.")]
NoServeOpt = Annotated[bool, typer.Option("--no-serve", help="Seed and print, then exit.")]


@contextmanager
def _domain_errors() -> Iterator[None]:
    """A refused command: ``error: detail`` and exit code 1; for settings that cannot be
    used, one such line per variable (``error: MINIRELEASE_X: reason, not 'value'``)."""
    from minirelease.config import SettingsError
    from minirelease.errors import DomainError

    try:
        yield
    except DomainError as exc:
        typer.echo(f"error: {exc.detail} [{exc.code}]", err=True)
        raise typer.Exit(int(Exit.FAILED)) from None
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(int(Exit.FAILED)) from None


NoJobsOpt = Annotated[
    bool,
    typer.Option(
        "--no-jobs",
        help="Serve the API only (as MINIRELEASE_RUN_JOBS=0): `minirelease worker` runs the jobs.",
    ),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        min=1,
        help="Jobs run at once (threads); default MINIRELEASE_JOB_THREADS.",
    ),
]


MetricsPortOpt = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve GET /metrics and /healthz on this port; default "
        "MINIRELEASE_WORKER_METRICS_PORT (unset: no HTTP at all).",
    ),
]
MetricsHostOpt = Annotated[
    str,
    typer.Option(
        "--metrics-host",
        help="Address the metrics port listens on (0.0.0.0 for a Prometheus on another "
        "machine; keep the port on the internal network).",
    ),
]


def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, no_jobs: NoJobsOpt = False) -> None:
    """Run the API server and the web console (migrates the database first); unless
    --no-jobs, it also runs the jobs and the periodic work."""
    from minirelease.cli import server

    with _domain_errors():
        server.serve(host, port, no_jobs=no_jobs)


def worker(
    concurrency: ConcurrencyOpt = None,
    metrics_port: MetricsPortOpt = None,
    metrics_host: MetricsHostOpt = "127.0.0.1",
) -> None:
    """Run builds, compatibility runs, webhook deliveries and the periodic work until
    SIGTERM (migrates the database first); serves only /metrics and /healthz, and only
    with a metrics port."""
    from minirelease.cli import server

    with _domain_errors():
        server.worker(concurrency, metrics_port=metrics_port, metrics_host=metrics_host)


def demo(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    no_serve: NoServeOpt = False,
) -> None:
    """Seed demo data, print the demo users' passwords and tokens, and serve."""
    from minirelease.cli.demo import run_demo

    with _domain_errors():
        run_demo(host, port, serve=not no_serve)


def db_upgrade() -> None:
    """Apply all database migrations."""
    from minirelease.cli import server

    with _domain_errors():
        server.upgrade()


PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read a console password from the first line of standard input."
    ),
]


def create_user(
    email: str,
    platform_admin: Annotated[
        bool, typer.Option("--platform-admin", help="Grant platform_admin.")
    ] = False,
    password_stdin: PasswordStdin = False,
    json_mode: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a user and print their API token (shown once)."""
    from minirelease.cli import admin

    with _domain_errors():
        admin.create_user(
            email, platform_admin=platform_admin, password_stdin=password_stdin, as_json=json_mode
        )


def set_password(email: str, password_stdin: PasswordStdin = False) -> None:
    """Set a user's console password; their console sessions end."""
    from minirelease.cli import admin

    if not password_stdin:
        raise typer.BadParameter("the password is read from standard input: pass --password-stdin")
    with _domain_errors():
        admin.set_password(email)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command()(demo)
    db = typer.Typer(help="Database commands.", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    app.add_typer(db, name="db")
    admin = typer.Typer(help="Administration on the server's own database.", no_args_is_help=True)
    commands: dict[str, Callable[..., None]] = {
        "create-user": create_user,
        "set-password": set_password,
    }
    for name, command in commands.items():
        admin.command(name)(command)
    app.add_typer(admin, name="admin")
