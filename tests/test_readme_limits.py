"""The limits the README states in prose, pinned to the code that enforces them. Their
behaviour is tested where each lives (tests/http/test_body_limits.py, tests/test_pagination.py,
tests/releases/test_ramp_plan.py, ...), against these very constants; this file keeps the
constants equal to the README's figures, so neither can change alone."""

from __future__ import annotations

import inspect
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from minirelease import db
from minirelease.api.body_limits import TELEMETRY_MAX_BYTES
from minirelease.cli import http as cli_http
from minirelease.compat.runtime import limits as engine_limits
from minirelease.miniprograms.rules import MAX_ICON_BYTES
from minirelease.pagination import DEFAULT_LIMIT, MAX_LIMIT
from minirelease.ratelimits import storage as ratelimit_storage
from minirelease.releases.listings import ROLLBACK_DEPTH
from minirelease.releases.ramp import MAX_HOLD_MINUTES, MAX_STEPS
from minirelease.resolver import KeyRing
from minirelease.storage.s3 import DEFAULT_TRANSFER
from minirelease.telemetry.service import MAX_COUNT, MAX_EVENTS

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]


def test_request_body_and_file_limits() -> None:
    # "telemetry batches (2,048,000 bytes: 1,000 events ...) ... icons (1 MiB)"
    assert TELEMETRY_MAX_BYTES == 2_048_000
    assert MAX_ICON_BYTES == MIB
    # "`POST /api/v1/telemetry` takes 1 to 1,000 events ... count: 1…1000000"
    assert (MAX_EVENTS, MAX_COUNT) == (1_000, 1_000_000)


def test_lists_ramps_and_rollbacks() -> None:
    # "`?limit=` 1 to 200 (default 50)"
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (50, 200)
    # "Steps: 1 to 20 ... every step but the last holds 1 minute to 30 days"
    assert (MAX_STEPS, MAX_HOLD_MINUTES) == (20, 30 * 24 * 60)
    # "rollback to one of the last 5 released versions"
    assert ROLLBACK_DEPTH == 5


def test_connection_pools() -> None:
    # "an API process may hold up to 70 (40 request threads and the background work, plus
    # 20 of overflow) and 10 more for rate-limit counters"
    assert db.REQUEST_THREADS == 40
    assert db.REQUEST_THREADS + db.BACKGROUND_CONNECTIONS + db.POOL_OVERFLOW == 70
    assert ratelimit_storage._POOL["pool_size"] + ratelimit_storage._POOL["max_overflow"] == 10


def test_s3_multipart_transfers() -> None:
    # "files over 8 MiB go as multipart uploads in 8 MiB parts (at most 4 in flight)"
    assert DEFAULT_TRANSFER.multipart_threshold == 8 * MIB
    assert DEFAULT_TRANSFER.multipart_chunksize == 8 * MIB
    assert DEFAULT_TRANSFER.max_request_concurrency == 4


def test_client_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # "`MINIRELEASE_CLI_RETRIES`, default 4": the first try and 4 retries
    monkeypatch.delenv("MINIRELEASE_CLI_RETRIES", raising=False)
    assert cli_http._attempts() == 5
    # "refetches the keys every `max_age` seconds (default 300)"
    assert inspect.signature(KeyRing).parameters["max_age"].default == 300


def test_the_compatibility_labs_engine_bounds() -> None:
    # "128 MiB of heap, 2 s per lifecycle step, ... and 5 s per run"
    assert engine_limits.HEAP_LIMIT_BYTES == 128 * MIB
    assert engine_limits.DEFAULT_STEP_BUDGET_MS == 2_000
    assert engine_limits.DEFAULT_TIME_BUDGET_MS == 5_000
    # "an engine process is killed past 1 GiB of memory ... or its run's budget plus 15 s"
    assert engine_limits.ENGINE_MEMORY_BYTES == 1024 * MIB
    assert engine_limits.GRACE_SECONDS == 15


def _readme_count(pattern: str) -> int:
    found = re.search(pattern, " ".join((ROOT / "README.md").read_text().split()))
    assert found is not None, f"the README no longer says {pattern!r}"
    return int(found.group(1))


def test_the_counts_the_readme_gives_for_the_lab() -> None:
    # "one entry per JSAPI (166: ...)" and "judged on `tests/compat/real/`: 26 programs"
    table = resources.files("minirelease.compat.runtime").joinpath("jsapi_table.json")
    assert _readme_count(r"one entry per JSAPI \((\d+):") == len(json.loads(table.read_text()))
    programs = [p for p in (ROOT / "tests/compat/real/programs").iterdir() if p.is_dir()]
    assert _readme_count(r"`tests/compat/real/`: (\d+) programs") == len(programs)
