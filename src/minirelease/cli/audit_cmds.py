"""``minirelease audit …``: the audit log on the configured database (run on the server's
machine, like ``keys``). The server's modules load only when a command runs.

    audit verify [--json]   walk the hash chain: exit 0 when intact, 1 at the first
                            broken link (its seq, event id and what is wrong)"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from minirelease.cli.exits import Exit

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def verify(json_mode: JsonOpt = False) -> None:
    """Check that no audit event was changed, deleted or reordered since it was recorded."""
    from minirelease import audit_chain
    from minirelease.cli.server import prepare
    from minirelease.config import SettingsError, load_settings
    from minirelease.db import make_engine, make_session_factory

    try:
        settings = load_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(int(Exit.FAILED)) from None
    prepare(settings)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            verdict = audit_chain.verify(session)
    finally:
        engine.dispose()
    broken = verdict.broken
    if json_mode:
        report = {
            "events": verdict.events,
            "intact": broken is None,
            "last_hash": verdict.last_hash,
            "broken": None
            if broken is None
            else {"seq": broken.seq, "event_id": broken.event_id, "problem": broken.problem},
        }
        typer.echo(json.dumps(report, indent=2))
    elif broken is None:
        typer.echo(f"{verdict.events} events, chain intact")
    else:
        where = f"seq {broken.seq}" if broken.seq is not None else "the chain head"
        event = f" (event {broken.event_id})" if broken.event_id else ""
        typer.echo(
            f"chain broken at {where}{event}: {broken.problem}; "
            f"{verdict.events} events before it are intact",
            err=True,
        )
    if broken is not None:
        raise typer.Exit(int(Exit.FAILED))


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The audit log (on the server's own database).", no_args_is_help=True)
    audit.command("verify")(verify)
    app.add_typer(audit, name="audit")
