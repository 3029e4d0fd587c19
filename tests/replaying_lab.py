"""A compatibility lab for the suites that drive releases over HTTP: it runs the real lab
the first time it meets an input and replays that run's result afterwards, instead of
spending a fifth of a second of V8 child processes on every version those suites release.

It is a fake, not a mock: every answer is one the real lab gave. A run is replayed only
when the lab would read exactly what it read the first time:

- the package as the lab reads it (``BuiltPackage.from_build``: every file it loads, in
  order, with the uploaded text of each, and every entry's compressed size). The zips'
  bytes themselves never repeat (the manifest names the version, an upload records the
  time), while what the lab reads from them does;
- the partner app, its profile and package limits, the matrix and both domain lists
  (everything else ``LabRun.to_json`` sends, so a field added later joins the key);
- the previous report's content, but for its run id and package digest.

What is per run is then rewritten: the run id and package digest in the report and its
page, and the previous run's id in the changes since it (``compat/report.py``,
``compat/html.py``, ``compat/changes.py``: nothing else there depends on the run, the
paths or the time). The progress the real lab reported is reported again, in order.
Anything it cannot read or rewrite with certainty goes to the real lab; so does every
run whose real run failed (failures are not recorded).

Tests about the lab itself (its processes, limits, timeouts, crashes, progress, cancel)
use the real lab, ``tests.engines.SHARED_LAB``."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from minirelease.compat.html_grid import e
from minirelease.compat.lab import CompatibilityLab, LabResult, LabRun, Progress
from minirelease.compat.package import BuiltPackage

# Replays are found within a test (each test has a partner app of its own, and the
# partner app is part of every cell), so the recent runs are enough; reports run to
# hundreds of kilobytes.
RECORDINGS: Final = 256

# The LabRun fields that are per run, or name the files whose content is keyed instead.
_NOT_KEYED: Final = (
    "run_id",
    "package_sha256",
    "package_path",
    "source_path",
    "out_dir",
    "previous_report_path",
)


@dataclass(frozen=True)
class _PerRun:
    run_id: str
    package_sha256: str
    previous_run_id: str | None

    def fragments(self) -> list[str]:
        """What ``render_html`` writes of these values, in page order."""
        header = f"run {e(self.run_id)} · package sha256 {e(self.package_sha256)}</div>"
        if self.previous_run_id is None:
            return [header]
        return [header, f"compared with run {e(self.previous_run_id)}"]


@dataclass(frozen=True)
class _Recording:
    summary: dict[str, Any]
    report_json: str
    html_parts: tuple[str, ...]  # the page around the per-run fragments
    progress: tuple[tuple[int, int], ...]

    @classmethod
    def of(
        cls, result: LabResult, values: _PerRun, progress: Sequence[tuple[int, int]]
    ) -> _Recording | None:
        parts = _split(result.html, values.fragments())
        if parts is None:
            return None
        recording = cls(copy.deepcopy(result.summary), result.report_json, parts, tuple(progress))
        # Only what replays exactly as it ran is kept.
        try:
            exact = recording.result(values) == result
        except (KeyError, TypeError, ValueError):  # a report of another shape than known
            return None
        return recording if exact else None

    def result(self, values: _PerRun) -> LabResult:
        report = json.loads(self.report_json)
        report["run_id"] = values.run_id
        report["package_sha256"] = values.package_sha256
        if values.previous_run_id is not None:
            report["changes"]["previous_run_id"] = values.previous_run_id
        pieces = [self.html_parts[0]]
        for fragment, part in zip(values.fragments(), self.html_parts[1:], strict=True):
            pieces += [fragment, part]
        return LabResult(
            summary=copy.deepcopy(self.summary),
            report_json=json.dumps(report),  # as lab_process writes it
            html="".join(pieces),
        )


class ReplayingLab(CompatibilityLab):
    """Runs in ``real`` what it has not seen, replays what it has. Shares ``real``'s
    processes (it starts none): ``close`` closes ``real``."""

    def __init__(self, real: CompatibilityLab, recordings: int = RECORDINGS) -> None:
        # Not CompatibilityLab.__init__: the processes are real's.
        self.real = real
        self.limits = real.limits
        self.timeout_seconds = real.timeout_seconds
        self._size = recordings
        self._recordings: OrderedDict[str, _Recording] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False
        self.recorded = 0
        self.replayed = 0

    def run(self, run: LabRun, *, progress: Progress | None = None) -> LabResult:
        found = None if self._closed else _inputs(run)
        if found is None:
            return self.real.run(run, progress=progress)
        key, values = found
        with self._lock:
            recording = self._recordings.get(key)
            if recording is not None:
                self._recordings.move_to_end(key)
                self.replayed += 1
        if recording is not None:
            for done, total in recording.progress:
                if progress is not None:
                    progress(done, total)
            return recording.result(values)
        seen: list[tuple[int, int]] = []

        def record(done: int, total: int) -> None:
            seen.append((done, total))
            if progress is not None:
                progress(done, total)

        result = self.real.run(run, progress=record)
        recording = _Recording.of(result, values, seen)
        if recording is not None:
            with self._lock:
                self._recordings[key] = recording
                self.recorded += 1
                while len(self._recordings) > self._size:
                    self._recordings.popitem(last=False)
        return result

    def prestart(self) -> None:
        self.real.prestart()

    def close(self) -> None:
        self._closed = True
        self.real.close()

    @property
    def pids(self) -> list[int]:
        return self.real.pids


def _inputs(run: LabRun) -> tuple[str, _PerRun] | None:
    """The run's key and its per-run values; None when anything the lab reads cannot be
    read here (the real lab then says what it makes of it)."""
    try:
        previous_run_id, previous = _previous(run.previous_report_path)
        package = BuiltPackage.from_build(run.package_path, run.source_path)
        rest = {k: v for k, v in run.to_json().items() if k not in _NOT_KEYED}
        digest = hashlib.sha256()
        for chunk in (json.dumps(rest).encode(), previous, *_package_chunks(package)):
            digest.update(len(chunk).to_bytes(8, "big"))
            digest.update(chunk)
    except Exception:
        return None
    return digest.hexdigest(), _PerRun(run.run_id, run.package_sha256, previous_run_id)


def _previous(path: Path | None) -> tuple[str | None, bytes]:
    """The previous run's id, and its report's content without what is per run."""
    if path is None:
        return None, b"none"
    report = json.loads(path.read_text(encoding="utf-8"))
    run_id = report["run_id"]
    if not isinstance(run_id, str):
        raise TypeError("the previous report's run id is not text")
    report["run_id"] = report["package_sha256"] = None
    return run_id, json.dumps(report).encode()


def _package_chunks(package: BuiltPackage) -> Iterator[bytes]:
    for name, data in package.files.items():  # in the package's order, which rules follow
        yield name.encode()
        yield data
    yield json.dumps(list(package.compressed_sizes.items())).encode()


def _split(text: str, fragments: Sequence[str]) -> tuple[str, ...] | None:
    """``text`` cut at each fragment, which must be there once, in this order."""
    parts: list[str] = []
    rest = text
    for fragment in fragments:
        if text.count(fragment) != 1:
            return None
        before, found, rest = rest.partition(fragment)
        if not found:
            return None
        parts.append(before)
    return (*parts, rest)
