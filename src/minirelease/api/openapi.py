"""The OpenAPI document as clients need it: every error an operation can answer with is
described once, as the problem+json body ``api.errors`` sends, instead of FastAPI's
default 422 schema (which is not what this API sends)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from minirelease.api.errors import PROBLEM_JSON, TITLES

_SCHEMA_REF = "#/components/schemas/{}"
_RESPONSE_REF = "#/components/responses/{}"
_WRITES = {"post", "put", "patch", "delete"}
_FASTAPI_422_SCHEMAS = ("HTTPValidationError", "ValidationError")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error (RFC 9457). `code` is stable and what clients should branch on;"
    " some problems carry further members (for instance `retry_after`).",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "instance"],
    "properties": {
        "type": {
            "type": "string",
            "description": "`urn:minirelease:problem:<code>`",
            "examples": ["urn:minirelease:problem:not_found"],
        },
        "title": {"type": "string", "examples": [TITLES["not_found"]]},
        "status": {"type": "integer", "description": "the HTTP status", "examples": [404]},
        "detail": {"type": "string", "description": "what went wrong, for people"},
        "code": {"type": "string", "examples": ["not_found"]},
        "instance": {"type": "string", "description": "the request's path"},
        "errors": {
            "type": "array",
            "description": "the request's invalid fields (422 `validation_error` only)",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

# status -> (component name, description, the problem codes answered with it)
_PROBLEMS: dict[int, tuple[str, str, tuple[str, ...]]] = {
    401: ("Unauthenticated", "No valid token was sent.", ("unauthenticated",)),
    403: ("PermissionDenied", "The caller may not do this.", ("permission_denied",)),
    404: (
        "NotFound",
        "No such resource, or not visible to the caller.",
        ("not_found", "not_released"),
    ),
    409: (
        "Conflict",
        "Not allowed in the resource's state, or lost to a concurrent change.",
        ("invalid_transition", "conflict"),
    ),
    422: (
        "ValidationFailed",
        "The request is invalid; `errors` lists the fields when they are the cause.",
        ("validation_error", "package_invalid"),
    ),
}


def problem_responses() -> dict[str, Any]:
    """The shared responses under ``components.responses``."""
    responses = {}
    for status, (name, description, codes) in _PROBLEMS.items():
        example = codes[0]
        response: dict[str, Any] = {
            "description": f"{description} Codes: {', '.join(f'`{c}`' for c in codes)}.",
            "content": {
                PROBLEM_JSON: {
                    "schema": {"$ref": _SCHEMA_REF.format("Problem")},
                    "example": {
                        "type": f"urn:minirelease:problem:{example}",
                        "title": TITLES[example],
                        "status": status,
                        "detail": description,
                        "code": example,
                        "instance": "/api/v1/…",
                    },
                }
            },
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "example": "Bearer"}
            }
        responses[name] = response
    return responses


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The problem statuses an operation can answer with, from what it declares: any token
    it takes may be refused or not allowed, a resource in its path may not exist, a write
    may conflict, its inputs may be invalid."""
    statuses = []
    if any(requirement for requirement in operation.get("security", ())):
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if method in _WRITES:
        statuses.append(409)
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(422)
    return statuses


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Documents each operation's problem responses, in place; returns the schema."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components.setdefault("responses", {}).update(problem_responses())
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("422", None)  # FastAPI's HTTPValidationError: not what is sent
            for status in error_statuses(path, method, operation):
                name = _PROBLEMS[status][0]
                responses.setdefault(str(status), {"$ref": _RESPONSE_REF.format(name)})
            operation["responses"] = dict(sorted(responses.items()))
    schemas = components["schemas"]
    for name in _FASTAPI_422_SCHEMAS:  # in this order: the first refers to the second
        if name in schemas and not _refers_to(schema, _SCHEMA_REF.format(name)):
            del schemas[name]
    return schema


def _refers_to(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_refers_to(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_refers_to(v, ref) for v in node)
    return False


def install_openapi(app: FastAPI) -> None:
    """``app.openapi()`` returns the generated document with the problem responses added,
    once per generation (FastAPI regenerates it when routes are added)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    completed: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()
        if not completed or completed[0] is not schema:
            completed[:] = [add_problem_responses(schema)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
