"""``minirelease mini-programs list|show|update``: a mini program's basic info, domain
whitelists and testers (``GET``/``PATCH /mini-programs/{id}``).

The whitelists and testers are whole lists on the server: ``update`` sends the list given
(by repeated flags, a file, or both) in place of the stored one; an empty file clears it.
Release pilots pick testers of their own (``release pilot``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected
from minirelease.cli.output import Output

programs_app = typer.Typer(
    name="mini-programs",
    help="List, show and update mini programs.",
    no_args_is_help=True,
)

# The lists PATCH replaces whole: API field, and how it is shown.
LIST_FIELDS = {
    "server_domains": "server domains",
    "h5_domains": "h5 domains",
    "tester_user_ids": "testers",
}


def program_path(mini_program_id: str) -> str:
    return f"/mini-programs/{quote(mini_program_id, safe='')}"


def read_list_file(path: Path) -> list[str]:
    """One entry a line; blank lines and ``#`` comments ignored; ``-`` is standard input."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(
            f"cannot read {path}: {exc}", code="file_unreadable", exit_code=Exit.USAGE
        ) from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _list_change(flags: list[str] | None, file: Path | None) -> list[str] | None:
    """The new whole list, or None to leave it as it is."""
    if flags is None and file is None:
        return None
    entries = [*(read_list_file(file) if file is not None else []), *(flags or [])]
    return list(dict.fromkeys(entry.strip() for entry in entries if entry.strip()))


def _show(mp: dict[str, Any]) -> Any:
    def human(out: Output) -> None:
        out.fields(
            [
                ("id", mp["id"]),
                ("app id", mp["app_id"]),
                ("workspace", mp["workspace_id"]),
                ("name", mp["name"]),
                ("description", mp["description"]),
                ("category", mp["category"]),
                ("release target", mp["release_target"]),
                ("icon", (mp.get("icon") or {}).get("url")),
                *((label, ", ".join(mp[key]) or "-") for key, label in LIST_FIELDS.items()),
                ("updated", mp["updated_at"]),
            ]
        )

    return human


@programs_app.command("list")
def list_programs(
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace", help="Only this workspace's (default: all of yours).", show_default=False
        ),
    ] = None,
    json_mode: JsonOpt = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
) -> None:
    """List the mini programs of a workspace, or of every workspace you belong to."""
    with connected(json_mode, profile, server) as (api, out):
        if workspace is not None:
            workspace_ids = [workspace]
        else:
            workspace_ids = [w["id"] for w in api.all_pages("/workspaces")]
        items = [
            mp
            for workspace_id in workspace_ids
            for mp in api.all_pages(f"/workspaces/{quote(workspace_id, safe='')}/mini-programs")
        ]
        out.result(
            items,
            lambda o: o.table(
                ("ID", "APP ID", "NAME", "CATEGORY", "WORKSPACE"),
                [
                    (m["id"], m["app_id"], m["name"], m["category"], m["workspace_id"])
                    for m in items
                ],
            ),
        )


@programs_app.command("show")
def show(
    mini_program_id: Annotated[str, typer.Argument(metavar="ID", help="The mini program's id.")],
    json_mode: JsonOpt = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
) -> None:
    """Show a mini program: basic info, whitelists and testers."""
    with connected(json_mode, profile, server) as (api, out):
        mp = api.get(program_path(mini_program_id))
        out.result(mp, _show(mp))


@programs_app.command("update")
def update(
    mini_program_id: Annotated[str, typer.Argument(metavar="ID", help="The mini program's id.")],
    name: Annotated[str | None, typer.Option(help="New name.", show_default=False)] = None,
    description: Annotated[
        str | None, typer.Option(help="New description.", show_default=False)
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="New category (e.g. food, shopping).", show_default=False)
    ] = None,
    server_domain: Annotated[
        list[str] | None,
        typer.Option(
            "--server-domain", help="Request/API domain (repeatable).", show_default=False
        ),
    ] = None,
    server_domains_file: Annotated[
        Path | None,
        typer.Option(help="Server domains, one a line ('-': stdin).", show_default=False),
    ] = None,
    h5_domain: Annotated[
        list[str] | None,
        typer.Option("--h5-domain", help="Web-view domain (repeatable).", show_default=False),
    ] = None,
    h5_domains_file: Annotated[
        Path | None,
        typer.Option(help="H5 domains, one a line ('-': stdin).", show_default=False),
    ] = None,
    tester: Annotated[
        list[str] | None,
        typer.Option("--tester", help="Tester's user id (repeatable).", show_default=False),
    ] = None,
    testers_file: Annotated[
        Path | None,
        typer.Option(help="Testers' user ids, one a line ('-': stdin).", show_default=False),
    ] = None,
    json_mode: JsonOpt = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
) -> None:
    """Change a mini program's basic info, whitelists or testers.

    A list given (flags and/or file) replaces the stored one; an empty file clears it."""
    with connected(json_mode, profile, server) as (api, out):
        lists = {
            "server_domains": _list_change(server_domain, server_domains_file),
            "h5_domains": _list_change(h5_domain, h5_domains_file),
            "tester_user_ids": _list_change(tester, testers_file),
        }
        scalars = {"name": name, "description": description, "category": category}
        changes = {k: v for k, v in {**scalars, **lists}.items() if v is not None}
        if not changes:
            raise CliError(
                "nothing to change: give --name, --description, --category, a whitelist or testers",
                code="nothing_to_change",
                exit_code=Exit.USAGE,
            )
        mp = api.patch(program_path(mini_program_id), changes)
        out.note(f"updated {', '.join(sorted(changes))}")
        out.result(mp, _show(mp))


def register(app: typer.Typer) -> None:
    app.add_typer(programs_app)
