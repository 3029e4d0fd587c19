"""Unknown query parameters are refused (design §9): a misspelt filter must not quietly
return the whole list. One dependency on the API router checks every route against the
query parameters it declares, its dependencies' included (``cursor`` and ``limit``).

The partner apps' runtime routes (tag ``runtime``: manifest, built packages, signing key,
telemetry; the launch is routed before the API router) take whatever they are sent, as
they always did: partner apps and CDNs add parameters of their own (cache busters,
tracking) and a launch must never fail on them."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

RUNTIME_TAG = "runtime"
# A parameter's name goes back in the problem's detail: cut a hostile one short.
_SHOWN_CHARS = 64


def refuse_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not request.query_params or not isinstance(route, APIRoute) or RUNTIME_TAG in route.tags:
        return
    # A walk over a handful of dependencies: cheaper than any cache keyed by route.
    accepted = _query_names(route.dependant)
    unknown = sorted({name for name in request.query_params if name not in accepted})
    if not unknown:
        return
    known = ", ".join(sorted(accepted)) or "none"
    raise RequestValidationError(
        [
            {
                "type": "extra_forbidden",
                "loc": ("query", name[:_SHOWN_CHARS]),
                "msg": f"unknown query parameter (this route accepts: {known})",
                "input": None,
            }
            for name in unknown
        ]
    )


def _query_names(dependant: Dependant) -> frozenset[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)
