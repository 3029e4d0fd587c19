"""Issue 15: ``minirelease serve`` answers the manifest polls whose answer is held in its
HTTP protocol, as it answers launches (http/wire.py, api/manifest_lane.py): the full
manifest, its deltas and one program's manifest, 200 in each coding or 304, each answer
equal to the app's (status, headers, body). What is not held yet is left to the app,
which builds it, and the next poll is the lane's, counted in its metric; refusals and
anything unusual are the app's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from starlette.types import Receive, Scope, Send

from minirelease.api.launch_fast_path import LaunchFastPath
from minirelease.http.content_codings import OFFERED
from minirelease.releases.models import Release
from minirelease.rollout.changes import RolloutChange
from tests.factories import Factory
from tests.http.coded import DECODERS, asgi_call
from tests.http.lane import Connection, Counting, get, lane_server
from tests.observability.scrape import value
from tests.releases.flow import API
from tests.rollout.test_manifest_compression import Partner

TRACE = "X-Request-ID: poll-1"
ANSWERS = "minirelease_manifest_lane_answers_total"
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Polls:
    """A partner app with a manifest over the compression threshold, its app served as
    ``minirelease serve`` serves it, and one keep-alive connection to it."""

    client: TestClient
    partner: Partner
    app: Counting
    connection: Connection

    def _poll(self, path: str, headers: tuple[str, ...]) -> Answer:
        self.connection.send(get(path, TRACE, *headers))
        status, sent, body = self.connection.response()
        assert sent.pop("date")
        return status, sent, body

    def _same_as_the_app(self, answer: Answer, path: str, headers: tuple[str, ...]) -> None:
        fast_path = self.client.app.middleware_stack  # type: ignore[attr-defined]
        assert isinstance(fast_path, LaunchFastPath)
        lines = (*(tuple(h.split(": ", 1)) for h in (TRACE, *headers)),)

        async def stack(scope: Scope, receive: Receive, send: Send) -> None:
            scope["app"] = self.client.app  # as the app sets it before its stack
            await fast_path.stack(scope, receive, send)

        expected = asgi_call(stack, path, lines=lines)  # the stack, never the lane
        assert answer == (expected.status, expected.headers, expected.raw), path

    def lane(self, path: str, *headers: str) -> Answer:
        """A poll the lane answers, as the app would."""
        reached = len(self.app.paths)
        answer = self._poll(path, headers)
        assert len(self.app.paths) == reached, f"{path} {headers} reached the app"
        self._same_as_the_app(answer, path, headers)
        return answer

    def app_answers(self, path: str, *headers: str) -> Answer:
        """A poll the lane leaves to the app."""
        reached = len(self.app.paths)
        answer = self._poll(path, headers)
        assert len(self.app.paths) == reached + 1, f"{path} {headers} did not reach the app"
        self._same_as_the_app(answer, path, headers)
        return answer

    def counted(self, kind: str, status: int) -> float:
        page = self.client.get("/metrics").text
        return value(page, ANSWERS, kind=kind, status=str(status))


@pytest.fixture
def polls(client: TestClient, factory: Factory) -> Iterator[Polls]:
    partner = Partner(factory)
    with lane_server(client) as (port, app), Connection(port) as connection:
        yield Polls(client, partner, app, connection)


def _raise(factory: Factory, release: Release, basis_points: int) -> None:
    with factory.session_factory() as session:  # a new serial
        row = session.get(Release, release.id)
        assert row is not None
        row.basis_points = basis_points
        session.commit()


def _serial(body: bytes) -> int:
    serial: int = json.loads(body)["manifest"]["serial"]
    return serial


def test_the_full_manifest_in_each_coding_and_its_304s(polls: Polls) -> None:
    url = polls.partner.url
    # Not built yet: the app builds it; held from then on.
    first = polls.app_answers(url)
    assert first[0] == 200 and "content-encoding" not in first[1]
    assert polls.lane(url) == first
    tags = {"identity": first[1]["etag"]}
    for coding in OFFERED:
        accept = f"Accept-Encoding: {coding}"
        made = polls.app_answers(url, accept)  # the coding made once, by the app
        assert made[1]["content-encoding"] == coding
        assert DECODERS[coding](made[2]) == first[2]
        assert polls.lane(url, accept) == made
        tags[coding] = made[1]["etag"]
    assert polls.lane(url, "Accept-Encoding: gzip, br;q=0.5, zstd;q=0.1")[1]["etag"] == tags["gzip"]
    for coding, tag in tags.items():
        accept = f"Accept-Encoding: {coding}"
        for if_none_match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            status, headers, body = polls.lane(url, accept, f"If-None-Match: {if_none_match}")
            assert (status, headers["etag"], body) == (304, tag, b"")
        other = tags["gzip" if coding != "gzip" else "br"]
        assert polls.lane(url, accept, f"If-None-Match: {other}")[0] == 200
    # Credentials change the stack's headers (not its caching here): the lane's are the same.
    polls.lane(url, "Authorization: Bearer not-checked-here")


def test_deltas_and_what_the_app_answers_instead(polls: Polls, factory: Factory) -> None:
    url = polls.partner.url
    held = _serial(polls.app_answers(url)[2])
    _raise(factory, polls.partner.grayscale, 5000)
    since = f"{url}?since={held}"
    built = polls.app_answers(since, "Accept-Encoding: zstd")
    assert polls.lane(since, "Accept-Encoding: zstd") == built
    delta = polls.lane(since)
    document = json.loads(delta[2])["manifest"]
    assert (document["kind"], document["since"]) == ("delta", held)
    tag = delta[1]["etag"]
    assert polls.lane(since, f"If-None-Match: {tag}")[0] == 304
    # Other parameters, and since values the route refuses, are the app's.
    polls.app_answers(f"{since}&cache-buster=1")
    for bad in ("-1", "abc", "1_0", "+1", "", str(2**53), "0" * 17 + "1"):
        polls.app_answers(f"{url}?since={bad}")
    assert polls.app_answers(f"{url}?since={2**53}")[0] == 422
    # A since whose delta cannot be made: the full manifest, from the app every time.
    newer = document["serial"]
    _raise(factory, polls.partner.grayscale, 7000)
    with factory.session_factory() as session:  # pruned, as after KEEP more changes
        session.execute(delete(RolloutChange).where(RolloutChange.serial > newer))
        session.commit()
    full = polls.app_answers(url)
    for _ in range(2):
        assert polls.app_answers(f"{url}?since={newer}") == full


def test_one_program_s_manifest(polls: Polls) -> None:
    partner = polls.partner
    url = f"{API}/partner-apps/{partner.app.code}/mini-programs/{partner.app_ids[0]}/manifest"
    first = polls.app_answers(url)
    assert first[0] == 200 and first[1]["etag"].startswith("W/")
    assert polls.lane(url) == first
    assert polls.lane(url, f"If-None-Match: {first[1]['etag']}")[0] == 304
    polls.app_answers(f"{url}?since=1")
    unknown = url.replace(partner.app_ids[0], "9999999999999999")
    for _ in range(2):
        assert polls.app_answers(unknown)[0] == 404


def test_an_unknown_partner_app_is_the_app_s_404(polls: Polls) -> None:
    for path in (
        "made-up/manifest",
        "made-up/manifest?since=1",
        "made-up/mini-programs/x/manifest",
    ):
        for _ in range(2):
            status, _, body = polls.app_answers(f"{API}/partner-apps/{path}")
            assert (status, json.loads(body)["code"]) == (404, "not_found")
    for path in ("/manifest", "x/mini-programs//manifest", "x/keys"):
        polls.app_answers(f"{API}/partner-apps/{path}")


def test_what_the_app_built_the_lane_serves_next_and_counts(polls: Polls, factory: Factory) -> None:
    partner = polls.partner
    program = f"{API}/partner-apps/{partner.app.code}/mini-programs/{partner.app_ids[1]}/manifest"
    before = {
        (kind, status): polls.counted(kind, status)
        for kind in ("full", "delta", "program")
        for status in (200, 304)
    }
    held = _serial(polls.app_answers(partner.url)[2])
    _raise(factory, partner.grayscale, 100)
    since = f"{partner.url}?since={held}"
    for url in (partner.url, since, program):
        polls.app_answers(url)  # a new serial: built by the app
        etag = polls.lane(url)[1]["etag"]
        polls.lane(url)
        polls.lane(url, f"If-None-Match: {etag}")
    after = {key: polls.counted(*key) - count for key, count in before.items()}
    assert after == {
        ("full", 200): 2,
        ("full", 304): 1,
        ("delta", 200): 2,
        ("delta", 304): 1,
        ("program", 200): 2,
        ("program", 304): 1,
    }


def test_pipelined_polls_keep_their_order_and_a_closing_one_closes(polls: Polls) -> None:
    url = polls.partner.url
    tag = polls.app_answers(url)[1]["etag"]
    polls.connection.send(
        get(url, f"If-None-Match: {tag}"),
        get("/healthz"),
        get(url),
        get(url, f"If-None-Match: {tag}", "Connection: close"),
    )
    answers = [polls.connection.response() for _ in range(4)]
    assert [status for status, _, _ in answers] == [304, 200, 200, 304]
    assert answers[3][1]["connection"] == "close"
    assert polls.connection.closed()
    assert polls.app.paths[-1] == "GET /healthz"
