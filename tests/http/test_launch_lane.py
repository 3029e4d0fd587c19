"""Issue 12, item 8: ``minirelease serve`` answers a launch that will be served in its
HTTP protocol, from the parsed request head, without an ASGI task (http/wire.py). The
answer is the one the app gives, with the same headers; pipelined requests keep their
order; HTTP/1.0 closes; a trusted proxy's scheme is honoured as uvicorn's middleware
would; everything else, refusals included, reaches the app."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from minirelease.http.wire import bounded_protocol
from tests.factories import Factory
from tests.http.lane import Connection, get, lane_server
from tests.releases.flow import API, Scenario, released, scenario
from tests.releases.live import wait_until


@pytest.fixture
def online(client: TestClient, factory: Factory) -> Scenario:
    s = scenario(client, factory)
    released(s, "1.0.0")
    return s


def _launch(s: Scenario, user: str = "alice") -> str:
    return f"{API}/launch/{s.partner}/{s.app_id}?user_id={user}"


def test_a_served_launch_is_answered_by_the_protocol_as_the_app_would(online: Scenario) -> None:
    s = online
    expected = s.client.get(_launch(s), headers={"X-Request-ID": "trace-1"})
    with lane_server(s.client) as (port, app), Connection(port) as connection:
        connection.send(get(_launch(s), "X-Request-ID: trace-1"))
        status, headers, body = connection.response()
        assert status == 200
        served, same = json.loads(body), expected.json()
        same["package"]["url"] = same["package"]["url"].replace("testserver", "lane.test")
        assert served == same
        assert headers.pop("date")
        assert headers == {
            "content-type": "application/json",
            "content-length": str(len(body)),
            "x-content-type-options": "nosniff",
            "x-request-id": "trace-1",
        }
        # Credentials make it private, as the stack would; still the protocol's answer.
        connection.send(get(_launch(s), f"Authorization: {s.developer.headers['Authorization']}"))
        assert connection.response()[1]["cache-control"] == "no-store"
        assert app.paths == []


def test_pipelined_requests_keep_their_order_and_only_launches_skip_the_app(
    online: Scenario,
) -> None:
    s = online
    refused = f"{API}/launch/{s.partner}/9999999999999999"
    with lane_server(s.client) as (port, app), Connection(port) as connection:
        connection.send(
            get(_launch(s, "a")),
            get("/healthz"),
            get(refused),
            get(_launch(s, "b"), "Content-Length: 0", method="POST"),
            get(_launch(s, "c")),
        )
        answers = [connection.response() for _ in range(5)]
        assert [status for status, _, _ in answers] == [200, 200, 404, 405, 200]
        assert json.loads(answers[2][2])["code"] == "not_released"
        assert app.paths == [
            "GET /healthz",
            f"GET {refused}",
            f"POST {API}/launch/{s.partner}/{s.app_id}",
        ]


def test_a_client_that_reads_late_gets_every_answer_in_order(online: Scenario) -> None:
    """Launches sent faster than their answers are read: the answers fill the connection's
    buffers, the lane steps aside while writing is paused (the app's answer waits for the
    client), and every answer arrives, in order."""
    s = online
    count = 20_000
    requests = [get(_launch(s, f"user-{n}"), f"X-Request-ID: r{n}") for n in range(count)]
    with lane_server(s.client) as (port, app), Connection(port, 4096) as connection:
        sender = threading.Thread(target=connection.send, args=requests)
        sender.start()
        # Not reading until the server's buffers are full and the app answers one.
        wait_until(lambda: app.paths, timeout=60)
        ids = [connection.response()[1]["x-request-id"] for _ in range(count)]
        sender.join(10)
        assert ids == [f"r{n}" for n in range(count)]


def test_a_head_the_server_has_not_read_yet_is_not_timed_out(online: Scenario) -> None:
    """As above, with a head timeout of half a second and the client starting to read two
    seconds after the app answered one: the server stopped reading meanwhile (pipelined
    answers wait for the client), so a head cut at the end of its last read waited in the
    socket, not on the client. It is read and answered once reading resumes, not refused
    with a 408 and the connection reset."""
    s = online
    lane: Any = s.client.app.state.launch_lane  # type: ignore[attr-defined]
    settings: Any = s.client.app.state.settings  # type: ignore[attr-defined]
    protocol = bounded_protocol(settings.max_header_bytes, 0.5, lane)
    count = 20_000
    requests = [get(_launch(s, f"user-{n}"), f"X-Request-ID: r{n}") for n in range(count)]
    with (
        lane_server(s.client, http=protocol) as (port, app),
        Connection(port, 4096) as connection,
    ):
        sender = threading.Thread(target=connection.send, args=requests)
        sender.start()
        wait_until(lambda: app.paths, timeout=60)
        time.sleep(2)
        ids = [connection.response()[1]["x-request-id"] for _ in range(count)]
        sender.join(10)
        assert ids == [f"r{n}" for n in range(count)]


def test_http_1_0_gets_its_answer_and_the_connection_closes(online: Scenario) -> None:
    s = online
    with lane_server(s.client) as (port, app), Connection(port) as connection:
        connection.send(get(_launch(s), version="1.0"))
        status, headers, _ = connection.response()
        assert (status, headers["connection"]) == (200, "close")
        assert connection.closed()
        assert app.paths == []


@pytest.mark.parametrize(
    ("trusted", "scheme"), [("127.0.0.1", "https"), ("10.0.0.1", "http")], ids=["trusted", "not"]
)
def test_a_trusted_proxy_says_the_scheme_as_uvicorns_middleware_would(
    online: Scenario, trusted: str, scheme: str
) -> None:
    s = online
    with (
        lane_server(s.client, forwarded_allow_ips=trusted) as (port, app),
        Connection(port) as connection,
    ):
        connection.send(get(_launch(s), "X-Forwarded-Proto: https"))
        _, headers, body = connection.response()
        assert json.loads(body)["package"]["url"].startswith(f"{scheme}://lane.test/")
        assert ("strict-transport-security" in headers) == (scheme == "https")
        assert app.paths == []


def test_a_head_in_pieces_or_not_plain_gets_the_same_answer(online: Scenario) -> None:
    """A plain launch head is read by the lane itself; one arriving in pieces, or with a
    header the lane leaves to httptools, is parsed by httptools and still answered by
    the lane, with the same body; the connection closes when the client asks."""
    s = online
    with lane_server(s.client) as (port, app), Connection(port) as connection:
        connection.send(get(_launch(s), "X-Request-ID: whole"))
        whole = connection.response()
        request = get(_launch(s), "X-Request-ID: pieces")
        for piece in (request[:7], request[7:30], request[30:]):
            connection.send(piece)
            time.sleep(0.05)  # separate reads on the server
        pieces = connection.response()
        assert (whole[0], pieces[0]) == (200, 200) and whole[2] == pieces[2]
        assert pieces[1]["x-request-id"] == "pieces"
        connection.send(get(_launch(s), "Connection: close"))
        status, headers, body = connection.response()
        assert (status, headers["connection"], body) == (200, "close", whole[2])
        assert connection.closed()
    assert app.paths == []


def test_an_idle_connection_after_launches_closes_at_the_keep_alive_timeout(
    online: Scenario,
) -> None:
    """After answering, the lane leaves the connection as uvicorn does after an answer:
    idle, closed when the keep-alive timeout passes, not refused with a 408."""
    s = online
    with lane_server(s.client, timeout_keep_alive=1) as (port, _), Connection(port) as c:
        c.send(get(_launch(s, "a")), get(_launch(s, "b")))
        assert [c.response()[0] for _ in range(2)] == [200, 200]
        started = time.monotonic()
        assert c.closed()  # blocks until the server closes it
        assert 0.5 < time.monotonic() - started < 5
