"""The floor launches are measured against (benchmarks/launch.py): a bare Starlette app,
with no middleware and no access log, answering a constant JSON body as long as a launch
answer, on the same uvicorn with the same options as ``minirelease serve``.

    .venv/bin/python -m benchmarks.launch_floor --port P --body-bytes N"""

from __future__ import annotations

import argparse
import json

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from minirelease.config import load_settings
from minirelease.http.wire import uvicorn_options


def constant_body(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes (at least 12)."""
    body = json.dumps({"padding": "x" * max(0, size - 14)}, separators=(",", ":")).encode()
    return body + b" " * (size - len(body))


def floor_app(size: int) -> Starlette:
    body = constant_body(size)

    async def constant(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/floor", constant)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-bytes", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        floor_app(args.body_bytes),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        log_config=None,
        access_log=False,
        **uvicorn_options(load_settings()),
    )


if __name__ == "__main__":
    main()
