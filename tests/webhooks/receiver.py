"""A real HTTP receiver on 127.0.0.1 for webhook tests: it checks each delivery's
Standard Webhooks signature against the endpoint's secret(s), records what it got, and
answers with the statuses it is told to (one per request, then 200)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from minirelease.webhooks import signing
from minirelease.webhooks.signing import SignatureInvalid


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def msg_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str
    port: int
    secrets: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses of the next requests
    # When the receiver checks timestamps: its clock, unix seconds.
    now: Callable[[], float] = time.time
    received: list[Received] = field(default_factory=list)
    # What to answer instead of a small JSON body, and the seconds between its bytes.
    reply: bytes | None = None
    drip: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified_with(self, headers: dict[str, str], body: bytes) -> bool:
        for secret in self.secrets:
            try:
                signing.verify(secret, headers, body, now=self.now())
            except SignatureInvalid:
                continue
            return True
        return False

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            status = self.answers.pop(0) if self.answers else 200
            verified = self.verified_with(headers, body)
            self.received.append(Received(headers, body, verified, status))
        return status

    def successes(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if 200 <= r.answered < 300]

    def types(self) -> list[str]:
        with self.lock:
            return [str(r.payload["type"]) for r in self.received if r.answered < 300]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.handle(headers, body)
            answer = receiver.reply or json.dumps({"status": status}).encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", receiver.url + "/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            if not receiver.drip:
                self.wfile.write(answer)
                return
            for byte in answer:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(receiver.drip)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiving(port: int = 0, secrets: list[str] | None = None) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    bound = int(server.server_address[1])
    receiver = Receiver(url=f"http://127.0.0.1:{bound}", port=bound, secrets=secrets or [])
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="webhook-receiver",
        daemon=True,
    )
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
