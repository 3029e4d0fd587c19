"""One attempt over real HTTP to a receiver on 127.0.0.1: what counts as success, what
is kept of the answer, redirects, the total timeout, and the pinned address."""

from __future__ import annotations

import ipaddress
import time

from minirelease.webhooks import destinations, sender, signing
from minirelease.webhooks.destinations import Destination
from tests.releases.live import free_port
from tests.webhooks.receiver import Receiver


def _to(receiver_url: str) -> Destination:
    return destinations.check(receiver_url + "/hook", allow_private=True)


def _signed(secret: str, body: bytes) -> dict[str, str]:
    return signing.headers([secret], "msg_test", int(time.time()), body)


def test_a_2xx_is_a_success_and_the_receiver_verifies_the_signature(receiver: Receiver) -> None:
    secret = signing.generate_secret()
    receiver.secrets.append(secret)
    result = sender.send(_to(receiver.url), _signed(secret, b'{"a":1}'), b'{"a":1}')
    assert result.succeeded and result.status_code == 200 and result.error is None
    assert result.response_body == '{"status": 200}'
    assert result.duration_ms >= 0
    [got] = receiver.received
    assert got.verified and got.body == b'{"a":1}'
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("minirelease-webhooks/")


def test_a_non_2xx_answer_is_a_failed_attempt(receiver: Receiver) -> None:
    receiver.answers[:] = [500]
    result = sender.send(_to(receiver.url), {}, b"{}")
    assert not result.succeeded
    assert result.status_code == 500 and result.error == "the receiver answered 500"


def test_a_redirect_is_not_followed_and_fails_the_attempt(receiver: Receiver) -> None:
    receiver.answers[:] = [307]
    result = sender.send(_to(receiver.url), {}, b"{}")
    assert not result.succeeded and result.status_code == 307
    assert "redirect" in (result.error or "")
    assert len(receiver.received) == 1  # the Location was not requested


def test_at_most_1_kb_of_the_answer_is_kept(receiver: Receiver) -> None:
    receiver.reply = b"x" * 5000
    result = sender.send(_to(receiver.url), {}, b"{}")
    assert result.succeeded
    assert result.response_body == "x" * sender.MAX_BODY_BYTES


def test_the_timeout_counts_the_whole_attempt_not_each_read(receiver: Receiver) -> None:
    # Each byte comes 0.2 s after the last: no single read waits 1 s, the whole does.
    receiver.reply = b"y" * 30
    receiver.drip = 0.2
    started = time.monotonic()
    result = sender.send(_to(receiver.url), {}, b"{}", timeout=1.0)
    elapsed = time.monotonic() - started
    assert not result.succeeded and result.error == "timed out after 1 s"
    assert elapsed < 2.5


def test_a_connection_refused_is_a_failed_attempt() -> None:
    port = free_port()  # nothing listens there
    result = sender.send(_to(f"http://127.0.0.1:{port}"), {}, b"{}")
    assert not result.succeeded and result.status_code is None
    assert "ConnectError" in (result.error or "")


def test_the_checked_address_is_connected_to_with_the_host_header_of_the_url(
    receiver: Receiver,
) -> None:
    # No DNS knows hooks.example.test: the request can only have reached the receiver
    # through the address the check resolved, with the URL's host sent as Host.
    destination = Destination(
        url=f"http://hooks.example.test:{receiver.port}/hook?x=1",
        scheme="http",
        host="hooks.example.test",
        port=receiver.port,
        addresses=(ipaddress.ip_address("127.0.0.1"),),
    )
    result = sender.send(destination, {}, b"{}")
    assert result.succeeded, result
    assert receiver.received[0].headers["host"] == f"hooks.example.test:{receiver.port}"


def test_the_next_address_is_tried_when_one_refuses_connections(receiver: Receiver) -> None:
    destination = Destination(
        url=f"http://localhost:{receiver.port}/hook",
        scheme="http",
        host="localhost",
        port=receiver.port,
        addresses=(ipaddress.ip_address("127.0.0.2"), ipaddress.ip_address("127.0.0.1")),
    )
    # The receiver listens on 127.0.0.1 only: 127.0.0.2 refuses the connection.
    result = sender.send(destination, {}, b"{}")
    assert result.succeeded, result
    assert len(receiver.received) == 1
