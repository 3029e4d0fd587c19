"""The one place where errors become HTTP: RFC 9457 problem+json with a stable ``code``."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any, cast

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from minirelease.api import rate_limits
from minirelease.db_errors import DatabaseFault, classify
from minirelease.errors import DomainError, Unauthenticated
from minirelease.observability.logs import REQUEST_ID

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS_BY_CODE = {
    "not_found": 404,
    "permission_denied": 403,
    "unauthenticated": 401,
    "validation_error": 422,
    "invalid_transition": 409,
    "conflict": 409,
    "package_invalid": 422,
    "webhook_url_refused": 422,
    "rate_limited": 429,
    "not_released": 404,
    "removed": 410,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "body_too_large": 413,  # http/body_limit.py, before routing
    "internal_error": 500,
    "unavailable": 503,
    "not_ready": 503,
    "database_busy": 503,
}

TITLES = {
    "not_found": "Not found",
    "permission_denied": "Permission denied",
    "unauthenticated": "Authentication required",
    "validation_error": "Invalid request",
    "invalid_transition": "Action not allowed in this state",
    "conflict": "Conflict",
    "package_invalid": "Package refused",
    "webhook_url_refused": "Webhook URL refused",
    "rate_limited": "Too many requests",
    "not_released": "Not released",
    "removed": "Removed",
    "method_not_allowed": "Method not allowed",
    "payload_too_large": "Payload too large",
    "body_too_large": "Request body too large",
    "internal_error": "Internal error",
    "unavailable": "Temporarily unavailable",
    "not_ready": "Not ready",
    "database_busy": "Database busy",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        # ASCII escapes: a detail may echo the caller's input, and JSON lets that hold a lone
        # surrogate ("\ud800") that UTF-8 cannot encode; escaped, every string renders.
        return json.dumps(
            content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
        ).encode()


def problem(request: Request, code: str, detail: str, **extra: Any) -> Response:
    status = STATUS_BY_CODE[code]
    # Console pages render errors as pages (web/errors.py); the API keeps problem+json.
    error_page = getattr(request.app.state, "error_page", None)
    if error_page is not None:
        page = error_page(request, status, code, detail, extra)
        if page is not None:
            return cast(Response, page)
    body: dict[str, Any] = {
        "type": f"urn:minirelease:problem:{code}",
        "title": TITLES[code],
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if "retry_after" in body:
        headers["Retry-After"] = str(body["retry_after"])
    return ProblemResponse(body, status_code=status, headers=headers or None)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", "")}
        for err in exc.errors()
    ]


DATABASE_BUSY_RETRY_SECONDS = 1


def _database_busy(request: Request) -> Response:
    return problem(
        request,
        "database_busy",
        "the database is busy; retry the request",
        retry_after=DATABASE_BUSY_RETRY_SECONDS,
    )


def internal_error(request: Request, exc: BaseException) -> Response:
    """A 500 whose body and log line carry the same new id: the operator a user quotes
    it to finds the traceback."""
    error_id = secrets.token_hex(8)
    log.exception(
        "unhandled error %s on %s %s",
        error_id,
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"error_id": error_id},
    )
    detail = f"an unexpected error occurred (error id {error_id})"
    return problem(request, "internal_error", detail, error_id=error_id)


def _database_error(request: Request, exc: DBAPIError) -> Response:
    """Only the errors a correct program meets under load or an outage get their own answer
    (db_errors.py); a constraint the code should have checked, a missing table or bad SQL
    is a bug, and answers as one."""
    orig = exc.orig if exc.orig is not None else exc
    fault = classify(orig, connection_invalidated=exc.connection_invalidated)
    if fault is DatabaseFault.LOST_RACE:
        # A uniqueness race lost to a concurrent request: nothing was written.
        return problem(request, "conflict", "the change conflicts with a concurrent change")
    if fault is DatabaseFault.BUSY:
        log.warning("database lock not obtained on %s: %s", request.url.path, exc.orig)
        return _database_busy(request)
    if fault is DatabaseFault.UNREACHABLE:
        log.warning("database unavailable on %s: %s", request.url.path, exc.orig)
        return problem(request, "unavailable", "the database cannot be reached; retry later")
    return internal_error(request, exc)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, Unauthenticated) and rate_limits.presented_credentials(request):
            # The request's transaction has ended: counting cannot wait on its locks.
            refused = await anyio.to_thread.run_sync(rate_limits.failed_authentication, request)
            if refused is not None:
                exc = refused
        return problem(request, exc.code, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}"
        return problem(request, "validation_error", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {
            401: "unauthenticated",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            429: "rate_limited",
        }.get(exc.status_code, "validation_error")
        detail = exc.detail if isinstance(exc.detail, str) else TITLES[code]
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such resource: {request.url.path}"
        return problem(request, code, detail)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        return _database_error(request, exc)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        # An optimistic row_version check lost to a concurrent change: nothing was written.
        return problem(request, "conflict", "the resource changed concurrently; reload and retry")

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # A value no rule caught and the database refuses (PostgreSQL text cannot hold a NUL
        # character): the request's fault, and the rollback leaves nothing written.
        log.warning("database refused a value on %s: %s", request.url.path, exc.orig)
        reason = (str(exc.orig).splitlines() or ["invalid value"])[0]
        return problem(request, "validation_error", f"a value cannot be stored: {reason}")

    @app.exception_handler(PoolTimeoutError)
    async def _pool_exhausted(request: Request, exc: PoolTimeoutError) -> Response:
        # Every pooled connection stayed in use for the pool's timeout (db.py): load, not
        # a fault; the client retries.
        log.warning("database connections exhausted on %s: %s", request.url.path, exc)
        return _database_busy(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Answered by Starlette's outermost middleware, outside the request log: the
        # request id it set is still this task's, and the answer carries it too.
        response = internal_error(request, exc)
        request_id = REQUEST_ID.get()
        if request_id is not None:
            response.headers["X-Request-ID"] = request_id
        return response
