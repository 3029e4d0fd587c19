"""``minirelease upload`` against a real demo server: a directory and a zip become
versions; what the server would refuse is refused before anything is sent; what only the
server can refuse (a version that exists) comes back with the server's code."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import anyio
import httpx2

from minirelease.cli import sample_app
from minirelease.cli.upload_cmd import multipart_body
from minirelease.packages.receive import receive_upload
from tests.cli.live_demo import DemoServer, demo_server

__all__ = ["demo_server"]

UNREACHABLE = {"MINIRELEASE_SERVER": "http://127.0.0.1:9"}


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _versions(demo: DemoServer) -> list[str]:
    answer = httpx2.get(
        f"{demo.url}/api/v1/mini-programs/{demo.mini_program_id}/versions",
        headers={"Authorization": f"Bearer {demo.tokens['owner']}"},
    )
    answer.raise_for_status()
    return sorted(v["version"] for v in answer.json()["items"])


def _upload(demo: DemoServer, source: Path, version: str, *extra: str, **kwargs: Any) -> Any:
    return demo.cli(
        "upload", str(source), "--mini-program", demo.mini_program_id, "--version", version,
        *extra, **kwargs,
    )  # fmt: skip


def test_the_body_is_what_the_servers_receiver_reads(tmp_path: Path) -> None:
    package = tmp_path / "app.zip"
    package.write_bytes(os.urandom(200_000))  # several chunks' worth; the receiver reads any
    body = multipart_body({"version": "1.0.0", "description": 'Noël "menu"'}, package, 'a"b.zip')
    progress: list[int] = []
    chunks = list(body.chunks(progress.append))
    assert sum(map(len, chunks)) == body.length == progress[-1]
    assert progress == sorted(progress) and len(progress) > 2

    async def stream() -> AsyncGenerator[bytes, None]:
        for chunk in chunks:
            yield chunk

    async def receive() -> Any:
        headers = {"content-type": body.content_type, "content-length": str(body.length)}
        return await receive_upload(
            headers, stream(), tmp_dir=tmp_path / "staged", max_bytes=1 << 20
        )

    received = anyio.run(receive)
    assert received.fields == {"version": "1.0.0", "description": 'Noël "menu"'}
    assert received.sha256 == hashlib.sha256(package.read_bytes()).hexdigest()
    assert received.filename == "a%22b.zip"


def test_a_directory_and_a_zip_become_versions(demo_server: DemoServer, tmp_path: Path) -> None:
    project = _project(tmp_path / "coffee", sample_app.FILES)
    _project(project, {".git/HEAD": "ref: refs/heads/main\n", "pages/.DS_Store": "x"})

    done = _upload(demo_server, project, "2.0.0", "--description", "New menu", "--json")
    assert done.returncode == 0, done.stderr
    version = json.loads(done.stdout)
    assert version["version"] == "2.0.0"
    assert version["description"] == "New menu"
    assert version["mini_program_id"] == demo_server.mini_program_id
    assert version["entry_count"] == len(sample_app.FILES)  # .git and .DS_Store left out
    assert version["pages"] == sample_app.APP_JSON["pages"]

    # The zip the demo wrote, uploaded as it is; a person sees the version, not JSON.
    sample = demo_server.home.parent / "data" / "demo" / "coffee-order-1.1.0.zip"
    human = _upload(demo_server, sample, "1.1.0")
    assert human.returncode == 0, human.stderr
    assert "1.1.0" in human.stdout and not human.stdout.startswith("{")
    assert hashlib.sha256(sample.read_bytes()).hexdigest() in human.stdout
    assert _versions(demo_server) == ["1.0.0", "1.1.0", "2.0.0"]

    # Only the server knows a version exists: its refusal, its code, exit 1.
    again = _upload(demo_server, project, "2.0.0", "--json")
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["code"] == "conflict"
    assert "already exists" in again.stderr


def test_what_the_server_would_refuse_is_never_sent(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    before = _versions(demo_server)
    no_app_json = _project(tmp_path / "broken", {"app.js": "App({});\n"})
    refused = _upload(demo_server, no_app_json, "3.0.0", "--json")
    assert refused.returncode == 1
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "package_invalid"
    assert error["detail"].startswith("app-json-missing:")
    assert _versions(demo_server) == before

    # With no server to send to, the same refusals still come first: nothing was sent.
    project = _project(tmp_path / "coffee", sample_app.FILES)
    for source, version, code in (
        (no_app_json, "3.0.0", "package_invalid"),
        (project, "3.0", "validation_error"),
        (project, "v3.0.0", "validation_error"),
    ):
        done = _upload(demo_server, source, version, env=UNREACHABLE)
        assert done.returncode == 1, (version, done.stderr)
        assert f"[{code}]" in done.stderr
    unreachable = _upload(demo_server, project, "3.0.0", env=UNREACHABLE)
    assert unreachable.returncode == 3 and "[server_unreachable]" in unreachable.stderr

    too_big = _upload(demo_server, project, "3.0.0", "--max-size", "100")
    assert too_big.returncode == 1 and "upload-too-large" in too_big.stderr
    assert _upload(demo_server, tmp_path / "missing", "3.0.0").returncode == 2
    assert _versions(demo_server) == before


def test_client_commands_load_no_server_dependency(demo_server: DemoServer, tmp_path: Path) -> None:
    """A client command, even one doing real work, runs without the server's stack.
    (Pydantic is Typer's own dependency since Typer 0.2x, so it is not in the list.)"""
    probe = (
        "import sys\n"
        "from minirelease.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = ('sqlalchemy', 'fastapi', 'starlette', 'uvicorn', 'minirelease.db',\n"
        "         'minirelease.api', 'minirelease.miniprograms')\n"
        "print(sorted(m for m in heavy if m in sys.modules), code, file=sys.stderr)\n"
    )
    project = _project(tmp_path / "coffee", sample_app.FILES)
    mp_id = demo_server.mini_program_id
    for args in (
        ("upload", str(project), "--mini-program", mp_id, "--version", "4.0.0", "--json"),
        ("mini-programs", "list", "--json"),
        ("qr", "--help"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            env=demo_server.env(),
            cwd=demo_server.home,
            timeout=60,
            check=False,
        )
        assert done.stderr.strip().splitlines()[-1] == "[] 0", (args, done.stderr)
