"""What a ``/metrics`` page shows, and a small HTTP server of its own for the processes
that serve no other HTTP (``minirelease worker --metrics-port``).

Every process's page is built from the same collectors: the in-process metrics (in
multiprocess mode, the sum over every process of the machine) and the shared state's
gauges read from the database. So a worker's page and an API process's page on one
machine give the same values, and Prometheus may scrape either."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from minirelease.observability.database import DatabaseCollector, SessionSource
from minirelease.observability.metrics import ProcessCollector

logger = logging.getLogger(__name__)

HEALTHY = b'{"status":"ok"}'


def scrape_registry(sessions: SessionSource) -> CollectorRegistry:
    """The collectors of one process's ``/metrics`` page, the database read through
    ``sessions()`` at scrape time."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProcessCollector())
    registry.register(DatabaseCollector(sessions))
    return registry


class _Handler(BaseHTTPRequestHandler):
    server: _ScrapeServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/metrics":
            self._answer(200, generate_latest(self.server.registry), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            self._answer(200, HEALTHY, "application/json")
        else:
            self._answer(404, b"not found: /metrics and /healthz only\n", "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # scrapes come every few seconds: their volume is in no one's interest


class _ScrapeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], registry: CollectorRegistry) -> None:
        self.registry = registry
        super().__init__(address, _Handler)


class MetricsBindError(Exception):
    """The metrics port could not be had: in use, or an address not of this machine."""


class MetricsServer:
    """``GET /metrics`` and ``GET /healthz`` on ``host:port``, answered on threads of this
    process. Binding happens here, so a port in use is a ``MetricsBindError`` before any
    work starts; ``stop`` closes the socket and waits for the serving thread."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        try:
            self._server = _ScrapeServer((host, port), registry)
        except OSError as exc:
            raise MetricsBindError(f"cannot serve metrics on {host}:{port}: {exc}") from exc
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics-server", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()
        host, port = self.address
        logger.info("metrics served at http://%s:%d/metrics", host, port)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
