"""Launch metrics on the hot path: one counter child and one histogram observation per
launch, the children looked up once per (partner app, channel, outcome) and snapshot.

Partner apps are labelled by code only when the rollout snapshot knows them, else
``other``: a caller chooses the path, and must not choose the metrics' label values."""

from __future__ import annotations

import time
from typing import Any

from minirelease.observability.metrics import Metrics
from minirelease.rollout.state import RolloutSnapshot

OTHER = "other"
SERVED = "served"
NO_CHANNEL = "none"
_KEPT = 1_000


class LaunchMetrics:
    def __init__(self, metrics: Metrics) -> None:
        self._launches = metrics.launches
        self._seconds = metrics.launch_seconds
        self._snapshot: RolloutSnapshot | None = None
        self._children: dict[tuple[str, str, str], Any] = {}

    def record(
        self,
        snapshot: RolloutSnapshot,
        partner_app: str,
        channel: str,
        outcome: str,
        started: float,
    ) -> None:
        """One launch answered: ``channel`` online|grayscale|pilot when served (``outcome``
        ``served``), else ``none`` with the refusal's code as ``outcome``."""
        if snapshot is not self._snapshot or len(self._children) >= _KEPT:
            # A new table rather than clearing one another request may be reading.
            self._snapshot, self._children = snapshot, {}
        key = (partner_app, channel, outcome)
        child = self._children.get(key)
        if child is None:
            label = partner_app if partner_app in snapshot.partners else OTHER
            child = self._children[key] = self._launches.labels(label, channel, outcome)
        child.inc()
        self._seconds.observe(time.perf_counter() - started)
