"""The replaying lab the API-level suites run on (tests/replaying_lab.py) answers exactly
what the real lab answers: the same report, page and summary byte for byte for another
run of the same input, with its progress; a different input, a failure or a closed lab
goes to the real lab."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pytest

from minirelease.compat.lab import CompatibilityLab, LabFailed, LabResult, LabRun
from minirelease.compat.matrix import build_matrix
from minirelease.compat.process_pool import PoolClosed
from minirelease.compat.profiles import default_profiles
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.programs import SERVER_DOMAINS, program
from tests.engines import SHARED_LAB
from tests.packages.zips import zip_bytes
from tests.replaying_lab import ReplayingLab

PROFILE = shipped_profile("wallet")
BROKEN = program(
    {
        "pages/index/index.js": "Page({ onLoad() {"
        " my.request({ url: 'http://api.shop.example/a' }); my.ap.nothing(); } });\n",
        "pages/index/index.axml": "<view><video src='a.mp4'></video></view>\n",
    }
)
FIXED = program(
    {"pages/index/index.js": "Page({ onLoad() { my.showToast({ content: 'hi' }); } });\n"}
)


def _zip(tmp_path: Path, files: dict[str, bytes], year: int) -> Path:
    """The files zipped with their own timestamp: other bytes, the same content."""
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.zip"
    entries = [(zipfile.ZipInfo(name, (year, 1, 1, 0, 0, 0)), data) for name, data in files.items()]
    path.write_bytes(zip_bytes(entries))
    return path


def _run(
    tmp_path: Path,
    run_id: str,
    files: dict[str, bytes] = BROKEN,
    *,
    year: int = 2020,
    partner_app: str = "wallet",
    previous: LabResult | None = None,
) -> LabRun:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    previous_path = None
    if previous is not None:
        previous_path = tmp_path / f"{len(list(tmp_path.iterdir()))}.previous.json"
        previous_path.write_text(previous.report_json, encoding="utf-8")
    return LabRun(
        run_id=run_id,
        package_path=_zip(tmp_path, files, year),
        source_path=_zip(tmp_path, files, year + 1),
        package_sha256=run_id.encode().hex().ljust(64, "0"),
        partner_app=partner_app,
        profile=PROFILE,
        limits=DEFAULT_PACKAGE_LIMITS,
        matrix=build_matrix(partner_app, PROFILE["os_versions"], default_profiles()).to_json(),
        out_dir=out,
        server_domains=SERVER_DOMAINS,
        previous_report_path=previous_path,
    )


def _replay_of(lab: ReplayingLab, run: LabRun) -> tuple[LabResult, list[tuple[int, int]]]:
    seen: list[tuple[int, int]] = []
    replayed = lab.replayed
    result = lab.run(run, progress=lambda done, total: seen.append((done, total)))
    assert lab.replayed == replayed + 1, "run by the real lab, not replayed"
    return result, seen


def test_a_replay_is_byte_for_byte_what_the_real_lab_answers_for_that_run(
    tmp_path: Path,
) -> None:
    first = SHARED_LAB.run(_run(tmp_path, "run_real1"))
    second = SHARED_LAB.run(_run(tmp_path, "run_real2", year=2021))
    assert second != first  # the run id and package digest are in the report and page

    lab = ReplayingLab(SHARED_LAB)
    assert lab.run(_run(tmp_path, "run_1")) != first  # recorded under other values
    replayed, seen = _replay_of(lab, _run(tmp_path, "run_real2", year=2022))
    assert replayed == second
    assert replayed.report_json == second.report_json and replayed.html == second.html
    rules = {"component-unsupported", "insecure-url", "jsapi-unsupported"}
    assert rules <= set(replayed.summary["findings_by_rule"])
    cells = replayed.summary["cells"]
    assert seen[-1] == (cells, cells)
    assert lab.recorded == 1
    assert list((tmp_path / "out").iterdir()) == []  # no report files left


def test_a_retest_replays_the_changes_since_another_previous_run(tmp_path: Path) -> None:
    before1 = SHARED_LAB.run(_run(tmp_path, "run_before1"))
    before2 = SHARED_LAB.run(_run(tmp_path, "run_before2", year=2021))
    after2 = SHARED_LAB.run(_run(tmp_path, "run_after2", FIXED, previous=before2))
    assert '"previous_run_id": "run_before2"' in after2.report_json
    assert "compared with run run_before2" in after2.html

    lab = ReplayingLab(SHARED_LAB)
    lab.run(_run(tmp_path, "run_after1", FIXED, previous=before1))
    replayed, _ = _replay_of(lab, _run(tmp_path, "run_after2", FIXED, year=2023, previous=before2))
    assert replayed == after2


def test_another_input_runs_in_the_real_lab(tmp_path: Path) -> None:
    lab = ReplayingLab(SHARED_LAB)
    first = lab.run(_run(tmp_path, "run_1"))
    lab.run(_run(tmp_path, "run_2", FIXED))
    lab.run(_run(tmp_path, "run_3", partner_app="shop"))
    lab.run(_run(tmp_path, "run_4", previous=first))
    assert (lab.recorded, lab.replayed) == (4, 0)


def test_a_failed_run_is_not_recorded(tmp_path: Path) -> None:
    lab = ReplayingLab(SHARED_LAB)
    run = _run(tmp_path, "run_1")
    run.source_path.unlink()
    for _ in range(2):
        with pytest.raises(LabFailed, match="FileNotFoundError"):
            lab.run(run)
    assert (lab.recorded, lab.replayed) == (0, 0)


def test_threads_each_get_their_own_run_replayed(tmp_path: Path) -> None:
    expected = SHARED_LAB.run(_run(tmp_path, "run_3", year=2003))
    lab = ReplayingLab(SHARED_LAB)
    lab.run(_run(tmp_path, "run_0"))
    runs = [_run(tmp_path, f"run_{n}", year=2000 + n) for n in range(1, 7)]
    results: dict[str, LabResult] = {}

    def work(run: LabRun) -> None:
        results[run.run_id] = lab.run(run)

    threads = [threading.Thread(target=work, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (lab.recorded, lab.replayed) == (1, 6)
    assert results["run_3"] == expected
    for run_id, result in results.items():
        assert result.html.count(f"run {run_id} ·") == 1
        assert json.loads(result.report_json)["run_id"] == run_id


def test_a_closed_lab_refuses_runs_it_could_replay(tmp_path: Path) -> None:
    real = CompatibilityLab(1)
    lab = ReplayingLab(real)
    try:
        lab.run(_run(tmp_path, "run_1"))
    finally:
        lab.close()
    with pytest.raises(PoolClosed):
        lab.run(_run(tmp_path, "run_2"))


def test_only_the_newest_recordings_are_kept(tmp_path: Path) -> None:
    lab = ReplayingLab(SHARED_LAB, recordings=1)
    lab.run(_run(tmp_path, "run_1"))
    lab.run(_run(tmp_path, "run_2", FIXED))
    lab.run(_run(tmp_path, "run_3"))  # forgotten, run again
    _replay_of(lab, _run(tmp_path, "run_4"))
    assert (lab.recorded, lab.replayed) == (3, 1)
