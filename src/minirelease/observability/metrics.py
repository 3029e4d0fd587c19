"""The in-process metrics of every API and worker process, with the official
``prometheus_client``.

One set per process, made on first use by ``process_metrics()``. Where processes share a
machine, ``configure(metrics_dir)`` must come first (``MINIRELEASE_METRICS_DIR``): the
client's multiprocess mode then keeps every value in a memory-mapped file of that
directory, and any process's ``/metrics`` sums the files of all of them. Without a
directory the values live in this process's own registry.

Label values are bounded: partner apps known to the rollout snapshot (``other`` for the
rest), job kinds, and fixed outcome names."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# A launch is answered from memory: tens of microseconds, up to a slow event loop.
LAUNCH_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0)
# Builds take seconds; compatibility runs up to their timeout (15 min by default).
JOB_BUCKETS = (0.05, 0.25, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0)


@dataclass(frozen=True)
class Metrics:
    launches: Counter
    launch_seconds: Histogram
    manifest_lane_answers: Counter
    job_seconds: Histogram
    job_failures: Counter
    builds: Counter
    compatibility_runs: Counter
    gate_evaluations: Counter
    gate_halts: Counter
    webhook_deliveries: Counter
    webhook_attempts: Counter


def _define(registry: CollectorRegistry | None) -> Metrics:
    r = registry
    return Metrics(
        launches=Counter(
            "minirelease_launches",
            "Launch requests answered, by partner app, channel and outcome.",
            ["partner_app", "channel", "outcome"],
            registry=r,
        ),
        launch_seconds=Histogram(
            "minirelease_launch_duration_seconds",
            "Time to answer a launch request inside the server.",
            buckets=LAUNCH_BUCKETS,
            registry=r,
        ),
        manifest_lane_answers=Counter(
            "minirelease_manifest_lane_answers",
            "Manifest polls answered from held bytes in front of the request stack (not in "
            "the request log), by kind (full, delta, program) and status (200, 304).",
            ["kind", "status"],
            registry=r,
        ),
        job_seconds=Histogram(
            "minirelease_job_duration_seconds",
            "Time a job's handler ran, by job kind and outcome (succeeded or failed).",
            ["kind", "outcome"],
            buckets=JOB_BUCKETS,
            registry=r,
        ),
        job_failures=Counter(
            "minirelease_job_failures",
            "Job attempts whose handler raised, by job kind.",
            ["kind"],
            registry=r,
        ),
        builds=Counter(
            "minirelease_builds_finished",
            "Builds finished (committed), by outcome: succeeded or failed.",
            ["outcome"],
            registry=r,
        ),
        compatibility_runs=Counter(
            "minirelease_compatibility_runs_finished",
            "Compatibility runs finished (committed), by result: pass, warn, fail or error.",
            ["result"],
            registry=r,
        ),
        gate_evaluations=Counter(
            "minirelease_health_gate_evaluations",
            "Health-gate evaluations of ramp plans, by verdict.",
            ["verdict"],
            registry=r,
        ),
        gate_halts=Counter(
            "minirelease_health_gate_halts",
            "Grayscales halted by a failing health gate (committed).",
            registry=r,
        ),
        webhook_deliveries=Counter(
            "minirelease_webhook_deliveries_finished",
            "Webhook deliveries finished (committed), by outcome: succeeded or failed.",
            ["outcome"],
            registry=r,
        ),
        webhook_attempts=Counter(
            "minirelease_webhook_attempts",
            "Webhook delivery attempts recorded, by outcome: succeeded or failed.",
            ["outcome"],
            registry=r,
        ),
    )


_lock = threading.Lock()
_metrics: Metrics | None = None
_registry: CollectorRegistry | None = None
_multiproc_dir: Path | None = None


def configure(metrics_dir: Path | None) -> None:
    """Choose this process's mode before its metrics are made: shared files in
    ``metrics_dir``, or (None) a registry of its own. Asking for another mode once
    metrics exist is a programming error: their values would be split."""
    global _multiproc_dir
    with _lock:
        wanted = metrics_dir.resolve() if metrics_dir is not None else None
        if _metrics is not None:
            if wanted != _multiproc_dir:
                raise RuntimeError(
                    f"metrics already kept {_describe(_multiproc_dir)}; "
                    f"cannot switch to {_describe(wanted)}"
                )
            return
        if wanted is not None:
            wanted.mkdir(parents=True, exist_ok=True)
            os.environ[MULTIPROC_ENV] = str(wanted)
        else:
            os.environ.pop(MULTIPROC_ENV, None)
        # The client picks its value class from the environment when it is imported;
        # it reads that choice when each metric child is made, so this one counts.
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        _multiproc_dir = wanted


def _describe(path: Path | None) -> str:
    return f"in {path}" if path is not None else "in this process"


def process_metrics() -> Metrics:
    """This process's metrics, made on first use in the mode ``configure`` chose (by
    default, a registry of this process's own)."""
    global _metrics, _registry
    found = _metrics
    if found is not None:
        return found
    with _lock:
        if _metrics is None:
            if _multiproc_dir is None:
                _registry = CollectorRegistry(auto_describe=True)
            _metrics = _define(_registry)
        return _metrics


def multiproc_dir() -> Path | None:
    return _multiproc_dir


class ProcessCollector:
    """The in-process metrics as one collector for a scrape registry: every process's
    files in multiprocess mode, else this process's registry."""

    def collect(self) -> Iterator[Metric]:
        process_metrics()
        if _multiproc_dir is not None:
            files = MultiProcessCollector(None, path=str(_multiproc_dir))  # type: ignore[no-untyped-call]
            yield from files.collect()  # type: ignore[no-untyped-call]
        elif _registry is not None:
            yield from _registry.collect()

    def describe(self) -> list[Metric]:
        return []
