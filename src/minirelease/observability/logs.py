"""Structured logs: one JSON object per line (``MINIRELEASE_LOG_FORMAT=json``, the default
of ``serve`` and ``worker``) or plain text lines (``text``).

Every line has time, level, logger and message; lines written while a request or a job
runs carry its ``request_id`` or ``job_id``; fields passed with ``extra=`` are kept. No
line carries a secret: API tokens (``mr_…``), telemetry keys (``mrk_…``), webhook secrets
(``whsec_…``), bearer credentials, the values of secret-looking query parameters and the
bound values SQL errors print are masked wherever they appear in a message or a field."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FORMATS = ("json", "text")

REQUEST_ID: ContextVar[str | None] = ContextVar("minirelease_request_id", default=None)
JOB_ID: ContextVar[str | None] = ContextVar("minirelease_job_id", default=None)

MASK = "***"
_SECRETS = re.compile(
    r"(?i)\b(?:bearer|basic)\s+[^\s,;\"']+"  # credentials after their scheme
    r"|\b(?:mrk?|whsec)_[A-Za-z0-9_\-+/=]{6,}"  # API tokens, telemetry keys, webhook secrets
)
_SECRET_NAMES = re.compile(r"(?i)token|secret|password|passwd|session|key|auth|sig|code|csrf")
# SQLAlchemy's errors print the statement's bound values: password hashes, digests of
# tokens, whatever a row holds. The statement stays (it says what failed), the values go.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*\]")

# The attributes of every LogRecord: what is not among them came from ``extra=``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def scrub(text: str) -> str:
    return _SQL_PARAMETERS.sub(f"[parameters: {MASK}]", _SECRETS.sub(MASK, text))


def secret_name(name: str) -> bool:
    return _SECRET_NAMES.search(name) is not None


@contextmanager
def job_context(job_id: str) -> Iterator[None]:
    token = JOB_ID.set(job_id)
    try:
        yield
    finally:
        JOB_ID.reset(token)


class ContextFilter(logging.Filter):
    """Adds the current request's and job's ids to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        if not hasattr(record, "job_id"):
            record.job_id = JOB_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and value is not None and name not in line:
                line[name] = _clean(value)
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = scrub(super().format(record))
        ids = [
            f"{n}={getattr(record, n)}"
            for n in ("request_id", "job_id")
            if getattr(record, n, None)
        ]
        return f"{text} [{' '.join(ids)}]" if ids else text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int | float | bool):
        return value
    return scrub(str(value))


def configure(fmt: str, level: int = logging.INFO) -> None:
    """Send every log record of this process (uvicorn's too) to standard error, one per
    line in ``fmt``. Replaces earlier handlers, so it may run more than once."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own lines go through the same handler; its access log stays off (the
    # request log of observability/requests.py replaces it, without secrets).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # The HTTP client logs every request's whole URL at INFO: a webhook's URL may hold its
    # receiver's credential (``/services/T0/B0/XXXX``, ``?token=``). Its warnings stay.
    for name in ("httpx2", "httpcore2"):
        logging.getLogger(name).setLevel(logging.WARNING)
