"""Manifest polls answered by the manifest lane (api/manifest_lane.py): in front of the
request stack, so neither in the request log nor in its middleware, and counted here
instead, in ``minirelease_manifest_lane_answers_total{kind, status}``:

- ``kind``: ``full`` (the partner app's manifest), ``delta`` (``?since=``) or
  ``program`` (one mini program's manifest);
- ``status``: ``200`` or ``304`` (``If-None-Match`` matched the coding's tag).

Polls the lane leaves to the app (the answer not built yet, a refusal, anything unusual)
go through the whole stack and its request log as any request does; so the polls a
process answered are this counter plus the log's lines for the two manifest paths. Both
label sets are fixed: the children are made once."""

from __future__ import annotations

from typing import Any

from minirelease.observability.metrics import Metrics

FULL = "full"
DELTA = "delta"
PROGRAM = "program"
KINDS = (FULL, DELTA, PROGRAM)
STATUSES = (200, 304)


class ManifestLaneMetrics:
    def __init__(self, metrics: Metrics) -> None:
        counter = metrics.manifest_lane_answers
        self._children: dict[tuple[str, int], Any] = {
            (kind, status): counter.labels(kind, str(status))
            for kind in KINDS
            for status in STATUSES
        }

    def record(self, kind: str, status: int) -> None:
        """One poll answered by the lane."""
        self._children[kind, status].inc()
