"""Manifest polls answered in front of the middleware stack, from the bytes already held
(issue 15: a partner backend polls every few seconds, and the stack costs more than the
answer).

A ``GET`` of ``<prefix>/partner-apps/{code}/manifest`` (optionally ``?since=SERIAL``) or
``<prefix>/partner-apps/{code}/mini-programs/{app_id}/manifest`` is answered here when its
answer is held: the signed manifest, delta or program manifest of the current snapshot,
and the coding the client prefers already made (api/manifest_answers.py chooses it as the
routes do, api/coded_responses.py renders the same 200 or 304). Nothing is built, signed
or compressed here, on the event loop: when anything is missing, the poll goes to the
route, which builds it in the thread pool, and the next poll is answered here. So does
anything unusual, rendered by the app in one place: another query (a ``since`` that is
not a plain integer up to 2**53 - 1, a parameter of a CDN's, a query on a program's
manifest), an unknown partner app or program, a ``since`` whose delta is not held
(including one too old to make, answered with the full manifest by the route).

The lane's answers are counted in ``minirelease_manifest_lane_answers_total``
(observability/manifests.py) instead of the request log. ``LaunchLane``
(api/launch_fast_path.py) hands it the paths under its prefix and adds the stack's
headers (security headers, ``X-Request-ID``)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.types import Scope

from minirelease.api.coded_responses import Answer
from minirelease.api.manifest_answers import MAX_SERIAL, Manifests, manifest_answer
from minirelease.observability.manifests import DELTA, FULL, PROGRAM, ManifestLaneMetrics
from minirelease.observability.metrics import process_metrics

_MANIFEST = "manifest"
_PROGRAMS = "mini-programs/"
_SINCE = b"since"
_SERIAL_DIGITS = len(str(MAX_SERIAL))


class ManifestLane:
    def __init__(self, app: Starlette, prefix: str) -> None:
        self._app = app
        self.prefix = f"{prefix}/partner-apps/"
        self._manifests = Manifests(app, build=False)
        self._metrics = ManifestLaneMetrics(process_metrics())

    def serve(self, scope: Scope, path: str) -> Answer | None:
        """The answer (without the stack's headers) of a manifest poll of a ``GET`` whose
        ``path`` starts with ``prefix``, or None: the app answers."""
        code, _, rest = path[len(self.prefix) :].partition("/")
        if not code:
            return None
        query: bytes = scope["query_string"]
        snapshot = self._app.state.rollout.snapshot
        try:
            if rest == _MANIFEST:
                since = _since(query)
                kind = FULL if since is None else DELTA
                signed = self._manifests.partner(snapshot, code, since)
            else:
                app_id = _program(rest)
                if app_id is None or query:
                    return None
                kind = PROGRAM
                signed = self._manifests.program(snapshot, code, app_id)
        except Exception:  # not held, not found, an unusual since: the route answers
            return None
        answer = manifest_answer(self._app, scope["headers"], signed, made_only=True)
        if answer is not None:
            self._metrics.record(kind, answer.status)
        return answer


def _since(query: bytes) -> int | None:
    """The serial of ``since=SERIAL``, None without a query; ValueError for anything else
    (the route answers: its 422, or what it makes of other parameters)."""
    if not query:
        return None
    name, _, digits = query.partition(b"=")
    # isdigit: ASCII digits only (int() would take "1_0", "+1" and spaces too).
    if name != _SINCE or not digits.isdigit() or len(digits) > _SERIAL_DIGITS:
        raise ValueError(query)
    since = int(digits)
    if since > MAX_SERIAL:
        raise ValueError(query)
    return since


def _program(rest: str) -> str | None:
    """The app id of ``mini-programs/{app_id}/manifest``, else None."""
    if not rest.startswith(_PROGRAMS) or not rest.endswith("/" + _MANIFEST):
        return None
    app_id = rest[len(_PROGRAMS) : -len(_MANIFEST) - 1]
    return app_id if app_id and "/" not in app_id else None
