"""``minirelease keys …``: the platform's signing keys, on the configured database (run on
the server's machine, like ``admin``). The server's modules load only when a command runs.

    keys list                      the keys the database knows, the active one first
    keys rotate --new-key-file F   F's key becomes the signing key; the active one stays
                                   published as a previous key
    keys retire KID [--force]      stop publishing a previous key"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from minirelease.cli.exits import Exit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from minirelease.signing_keys.models import SigningKey

CLI_ACTOR = "system:cli"
T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused command: ``error: detail [code]`` and exit code 1."""
    from minirelease.build.signing import SigningKeyError
    from minirelease.config import SettingsError
    from minirelease.errors import DomainError

    try:
        yield
    except DomainError as exc:
        typer.echo(f"error: {exc.detail} [{exc.code}]", err=True)
        raise typer.Exit(int(Exit.FAILED)) from None
    except SigningKeyError as exc:
        typer.echo(f"error: {exc} [signing_key_invalid]", err=True)
        raise typer.Exit(int(Exit.FAILED)) from None
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(int(Exit.FAILED)) from None


def _in_transaction(work: Callable[[Session], T]) -> T:
    from minirelease.cli.server import prepare
    from minirelease.config import load_settings
    from minirelease.db import make_engine, make_session_factory
    from minirelease.uow import UnitOfWork

    settings = load_settings()
    prepare(settings)
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            result = work(uow.session)
            uow.commit()
        return result
    finally:
        engine.dispose()


def _as_dict(key: SigningKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "status": key.status,
        "public_key": key.public_key,
        "activated_at": key.activated_at.isoformat(),
        "replaced_at": key.replaced_at.isoformat() if key.replaced_at else None,
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
    }


def _line(key: dict[str, Any]) -> str:
    return f"{key['key_id']}  {key['status']:<8}  activated {key['activated_at']}"


def list_keys(json_mode: JsonOpt = False) -> None:
    """List the signing keys the database knows, the active one first."""
    from minirelease.signing_keys import service

    with _refusals():
        keys = _in_transaction(lambda s: [_as_dict(k) for k in service.all_keys(s)])
    keys.sort(key=lambda key: key["status"] != "active")
    typer.echo(json.dumps(keys, indent=2) if json_mode else "\n".join(map(_line, keys)))


def rotate(
    new_key_file: Annotated[
        Path,
        typer.Option(
            "--new-key-file",
            help="PEM file of the new key: its private key, or only its public key.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    json_mode: JsonOpt = False,
) -> None:
    """Make the key in --new-key-file the signing key; the active key stays published.
    Then restart every API and worker process with the new private key."""
    from minirelease.build.signing import public_key_from_pem
    from minirelease.signing_keys import service

    with _refusals():
        raw = public_key_from_pem(new_key_file.read_bytes(), str(new_key_file))
        key = _in_transaction(
            lambda s: _as_dict(service.rotate(s, actor=CLI_ACTOR, public_key_raw=raw))
        )
    if json_mode:
        typer.echo(json.dumps(key, indent=2))
        return
    typer.echo(_line(key))
    typer.echo(
        f"{key['key_id']} is the signing key; restart every process with its private key "
        "(MINIRELEASE_SIGNING_KEY or MINIRELEASE_SIGNING_KEY_FILE). Retire the previous "
        "key with `minirelease keys retire KID` once nothing it signed is served."
    )


def retire(
    key_id: Annotated[str, typer.Argument(help="The key id to retire.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Retire even while packages it signed are served."),
    ] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Stop publishing a previous signing key: what it signed no longer verifies."""
    from minirelease.signing_keys import service

    with _refusals():
        key = _in_transaction(
            lambda s: _as_dict(service.retire(s, actor=CLI_ACTOR, key_id=key_id, force=force))
        )
    typer.echo(json.dumps(key, indent=2) if json_mode else _line(key))


def register(app: typer.Typer) -> None:
    keys = typer.Typer(
        help="The platform's signing keys (on the server's own database).", no_args_is_help=True
    )
    keys.command("list")(list_keys)
    keys.command("rotate")(rotate)
    keys.command("retire")(retire)
    app.add_typer(keys, name="keys")
