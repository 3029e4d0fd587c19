"""``minirelease qr promo|preview|trial``: a QR code of a mini program on a partner app,
from ``POST /mini-programs/{id}/qrcodes`` (api/routers/qrcodes.py).

The server answers with the image itself and the deep link it holds in ``X-Deep-Link``.
With ``--out`` the image is written as the server drew it (PNG or SVG, by the file's
suffix); without, the code is drawn in the terminal from the link (segno, loaded only
then) with the link below it."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.http import ApiClient
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected
from minirelease.cli.output import Output

DEEP_LINK_HEADER = "x-deep-link"
FORMATS = {".png": "png", ".svg": "svg"}


class Kind(StrEnum):
    promo = "promo"
    preview = "preview"
    trial = "trial"


def _image_format(out_file: Path | None) -> str:
    if out_file is None:
        return "svg"  # the smaller answer; only its link is used
    image_format = FORMATS.get(out_file.suffix.lower())
    if image_format is None:
        raise CliError(
            f"--out {out_file}: name a .png or .svg file",
            code="unsupported_format",
            exit_code=Exit.USAGE,
        )
    return image_format


def post_for_image(api: ApiClient, path: str, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The image the server answers with, and the answer's headers (the deep link is in
    ``X-Deep-Link``, the file name in ``Content-Disposition``)."""
    response = api.send("POST", path, json=body)
    return response.content, {key.lower(): value for key, value in response.headers.items()}


def _filename(headers: dict[str, str]) -> str | None:
    disposition = headers.get("content-disposition", "")
    marker = 'filename="'
    if marker not in disposition:
        return None
    return disposition.split(marker, 1)[1].split('"', 1)[0]


def _draw(link: str) -> None:
    import segno

    segno.make(link, error="m", micro=False).terminal(out=sys.stdout, compact=True)


def qr(
    kind: Annotated[
        Kind,
        typer.Argument(
            help="promo: what is online; preview, trial: a built release, for the team and testers."
        ),
    ],
    mini_program: Annotated[
        str, typer.Option("--mini-program", help="The mini program's id.", show_default=False)
    ],
    partner_app: Annotated[
        str, typer.Option("--partner-app", help="The partner app's code.", show_default=False)
    ],
    release: Annotated[
        str | None,
        typer.Option(
            "--release",
            help="preview/trial: the built release to open (default: the newest).",
            show_default=False,
        ),
    ] = None,
    page: Annotated[
        str | None,
        typer.Option("--page", help="Page to open, e.g. pages/index/index.", show_default=False),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option("--query", help="Launch query, e.g. from=poster.", show_default=False),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the image here (.png or .svg) instead of drawing it.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    json_mode: JsonOpt = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
) -> None:
    """Make a QR code that opens the mini program on a partner app."""
    with connected(json_mode, profile, server) as (api, out):
        image_format = _image_format(out_file)
        body = {
            "kind": kind.value,
            "partner_app": partner_app,
            "page": page,
            "query": query,
            "release_id": release,
            "format": image_format,
        }
        image, headers = post_for_image(
            api,
            f"/mini-programs/{quote(mini_program, safe='')}/qrcodes",
            {key: value for key, value in body.items() if value is not None},
        )
        link = headers.get(DEEP_LINK_HEADER, "")
        if out_file is not None:
            out_file.write_bytes(image)
        answer = {
            "kind": kind.value,
            "mini_program_id": mini_program,
            "partner_app": partner_app,
            "deep_link": link,
            "content_type": headers.get("content-type"),
            "filename": _filename(headers),
            "file": str(out_file) if out_file is not None else None,
        }

        def human(o: Output) -> None:
            if out_file is None:
                _draw(link)
            else:
                o.line(f"wrote {out_file} ({len(image)} bytes)")
            o.line(link)

        out.result(answer, human)


def register(app: typer.Typer) -> None:
    app.command("qr")(qr)
