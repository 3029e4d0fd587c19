"""``minirelease upload``: pack a project (or take a zip), refuse what the server would
refuse, then stream it as ``POST /mini-programs/{id}/versions``.

The multipart/form-data body is written here as a generator of known length: the package
is read from disk in chunks as it is sent (never held whole), the length goes in
``Content-Length`` (no chunked encoding), and each chunk sent moves the progress bar."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from minirelease.cli import zipping
from minirelease.cli.options import JsonOpt, ProfileOpt, ServerOpt, connected
from minirelease.cli.output import Output

CHUNK = 64 * 1024


@dataclass(frozen=True)
class MultipartBody:
    content_type: str
    length: int
    head: bytes  # the text fields and the package part's headers
    package: Path
    tail: bytes

    def chunks(self, sent: Callable[[int], None]) -> Iterator[bytes]:
        """The body, calling ``sent(bytes so far)`` as it goes."""
        done = 0
        yield self.head
        done += len(self.head)
        with self.package.open("rb") as package:
            while chunk := package.read(CHUNK):
                yield chunk
                done += len(chunk)
                sent(done)
        yield self.tail
        sent(done + len(self.tail))


def _quoted(value: str) -> str:
    """A form-data name or filename as browsers send it (WHATWG HTML: quotes and line
    breaks percent-encoded)."""
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def multipart_body(fields: dict[str, str], package: Path, filename: str) -> MultipartBody:
    boundary = "minirelease-" + secrets.token_hex(16)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode("utf-8")
        + b"\r\n"
        for name, value in fields.items()
    )
    head += (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="package"; filename="{_quoted(filename)}"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return MultipartBody(
        content_type=f"multipart/form-data; boundary={boundary}",
        length=len(head) + package.stat().st_size + len(tail),
        head=head,
        package=package,
        tail=tail,
    )


def _pages(version: dict[str, Any]) -> list[str]:
    subpackages = version.get("subpackages", [])
    return [*version["pages"], *(f"{s['root']}/{p}" for s in subpackages for p in s["pages"])]


def _show_version(version: dict[str, Any]) -> Callable[[Output], None]:
    def human(out: Output) -> None:
        out.fields(
            [
                ("version", version["version"]),
                ("id", version["id"]),
                ("mini program", version["mini_program_id"]),
                (
                    "package",
                    f"{version['package']['size']} bytes, sha256 {version['package']['sha256']}",
                ),
                ("files", version["entry_count"]),
                ("pages", ", ".join(_pages(version))),
            ]
        )

    return human


def upload(
    source: Annotated[
        Path,
        typer.Argument(
            exists=True,
            readable=True,
            metavar="DIR|ZIP",
            help="The project directory (app.json at its root) or a zip of it.",
            show_default=False,
        ),
    ],
    mini_program: Annotated[
        str, typer.Option("--mini-program", help="The mini program's id.", show_default=False)
    ],
    version: Annotated[
        str, typer.Option("--version", help="Semantic version, e.g. 1.2.0.", show_default=False)
    ],
    description: Annotated[
        str, typer.Option("--description", help="What changed (at most 200 characters).")
    ] = "",
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Leave out files or folders matching this glob (repeatable); .git, "
            "node_modules and OS clutter are always left out.",
            show_default=False,
        ),
    ] = None,
    max_size: Annotated[
        int,
        typer.Option(
            "--max-size",
            help="The server's upload limit in bytes, if it is not the default.",
            min=1,
        ),
    ] = zipping.DEFAULT_MAX_UPLOAD_BYTES,
    json_mode: JsonOpt = False,
    profile: ProfileOpt = None,
    server: ServerOpt = None,
) -> None:
    """Upload a new version of a mini program and print it.

    A directory is zipped the way the platform expects; the package is checked against
    the server's rules before anything is sent."""
    with (
        connected(json_mode, profile, server) as (api, out),
        tempfile.TemporaryDirectory(prefix="minirelease-upload-") as scratch,
    ):
        fields = {
            "version": zipping.check_version(version),
            "description": zipping.check_description(description),
        }
        package = zipping.pack(
            source, Path(scratch), patterns=tuple(exclude or ()), max_bytes=max_size
        )
        out.note(
            f"package: {package.entry_count} files, {package.size} bytes "
            f"({package.uncompressed_size} unpacked), pages: {', '.join(package.pages)}"
        )
        filename = source.name if source.is_file() else f"{source.resolve().name}.zip"
        body = multipart_body(fields, package.path, filename)
        with out.progress("upload", body.length) as update:
            created = api.request(
                "POST",
                f"/mini-programs/{quote(mini_program, safe='')}/versions",
                content=body.chunks(lambda done: update(done, body.length)),
                headers={"Content-Type": body.content_type, "Content-Length": str(body.length)},
            )
        out.result(created, _show_version(created))


def register(app: typer.Typer) -> None:
    app.command("upload")(upload)
