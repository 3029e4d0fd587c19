"""Structured logs of a real ``minirelease serve`` (JSON by default): after requests that
carry tokens in the Authorization header and in the query, an invitation whose token is in
a response body, and a build job, every line of the server's output is one JSON object,
requests and jobs have their lines with a request id or job id, the request id comes back
in ``X-Request-ID``, and no secret appears anywhere in the output."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2

from minirelease.config import Settings
from tests.factories import Factory
from tests.packages.zips import project, zip_bytes
from tests.releases.live import wait_until
from tests.releases.stack import API, Stack, read


def lines(text: str) -> list[dict[str, Any]]:
    parsed = []
    for line in text.splitlines():
        if line.strip():
            record = json.loads(line)  # every line, uvicorn's too
            assert isinstance(record, dict), line
            assert {"time", "level", "logger", "message"} <= record.keys(), line
            parsed.append(record)
    return parsed


def test_json_lines_with_request_ids_and_no_secrets(stack: Stack) -> None:
    server = stack.serve()
    factory = Factory(stack.sessions, Settings(data_dir=stack.data_dir, database_url=stack.url))
    workspace, owner = factory.workspace()
    token = stack.developer.token
    with stack.client(server) as client:
        traced = client.get(
            f"{API}/releases",
            params={"access_token": token, "status": "building"},
            headers={"X-Request-ID": "trace-42.a:b"},
        )
        assert traced.status_code == 422, traced.text  # refused, and logged all the same
        assert traced.headers["x-request-id"] == "trace-42.a:b"
        fresh = client.get(f"{API}/releases", params={"password": "hunter2-Secret"})
        assert re.fullmatch(r"[0-9a-f]{16}", fresh.headers["x-request-id"])
        for hostile in ("two words; <script>", "x" * 129):
            answer = client.get(f"{API}/releases", headers={"X-Request-ID": hostile})
            assert re.fullmatch(r"[0-9a-f]{16}", answer.headers["x-request-id"])
        # A token pasted into a path is masked in the line about it.
        assert client.get(f"{API}/{token}").status_code == 404
        invited = httpx2.post(
            f"{server.base_url}{API}/workspaces/{workspace.id}/invitations",
            json={"email": "new@example.com", "role": "master"},
            headers={**owner.headers, "X-Request-ID": "invite-1"},
        )
        assert invited.status_code == 201, invited.text
        invitation_token = invited.json()["token"]
        release_id = stack.release(client, zip_bytes(project()))
        wait_until(
            lambda: read(client, f"/releases/{release_id}")["status"] == "awaiting_test",
            timeout=60,
            interval=0.2,
        )
    server.stop()

    output = server.log_path.read_text()
    for secret in (token, owner.token, invitation_token, "hunter2-Secret"):
        assert secret not in output
    records = lines(output)
    requests = {r["request_id"]: r for r in records if r.get("event") == "request"}
    line = requests["trace-42.a:b"]
    assert (line["method"], line["path"], line["status"]) == ("GET", f"{API}/releases", 422)
    assert line["query"] == "access_token=***&status=building"
    assert line["duration_ms"] >= 0
    assert requests[fresh.headers["x-request-id"]]["query"] == "password=***"
    assert requests["invite-1"]["status"] == 201
    assert any(r["path"] == f"{API}/***" and r["status"] == 404 for r in requests.values())
    jobs = [r for r in records if r.get("event") == "job"]
    assert [(j["kind"], j["outcome"], j["subject_id"]) for j in jobs] == [
        ("build", "succeeded", release_id)
    ]
    assert jobs[0]["job_id"] and jobs[0]["duration_ms"] > 0
    # uvicorn's start-up line came through the same formatter.
    assert any(r["logger"].startswith("uvicorn") for r in records)
