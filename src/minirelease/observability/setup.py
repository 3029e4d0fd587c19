"""What every API and worker process does once before its work starts."""

from __future__ import annotations

from minirelease.config import Settings
from minirelease.observability import commits, logs, metrics


def prepare_metrics(settings: Settings) -> None:
    """Metrics in the mode the settings ask for, and committed facts counted."""
    metrics.configure(settings.metrics_dir)
    commits.install()


def prepare_process(settings: Settings, default_log_format: str) -> None:
    """For the commands that run a server or a worker: logs in the configured format
    (``default_log_format`` when unset), then metrics."""
    logs.configure(settings.log_format or default_log_format)
    prepare_metrics(settings)
