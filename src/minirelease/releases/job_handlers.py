"""The background work of a release: building its package and running its compatibility
step (in the compatibility lab's processes). Both are idempotent (a job may run again
after a crash): each reads its inputs in one transaction, works outside any transaction,
and records the outcome in another only if the release still wants that result (same
build number, same status)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from minirelease.build.config import BuildConfiguration
from minirelease.build.package import build_package
from minirelease.build.signing import Signer
from minirelease.compat.lab import CompatibilityLab, LabRun
from minirelease.db import RawJSON, utcnow
from minirelease.errors import PackageInvalid
from minirelease.jobs import Job, JobContext, JobHandler
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.models import PartnerApp
from minirelease.partners.profile import validate_package_limits
from minirelease.releases.compat_progress import ProgressWriter
from minirelease.releases.compat_runs import COMPAT_JOB
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.releases.service import BUILD_JOB
from minirelease.releases.state import Action, Status
from minirelease.releases.transitions import transition
from minirelease.scratch import ScratchDir
from minirelease.storage import BlobStore
from minirelease.uow import UnitOfWork

BUILDER = "system:builder"
TESTER = "system:compatibility"


@dataclass(frozen=True)
class ReleaseWorkers:
    store: BlobStore
    scratch: ScratchDir
    signer: Signer
    lab: CompatibilityLab  # where compatibility runs run: processes apart from this one

    def handlers(self) -> dict[str, JobHandler]:
        return {
            BUILD_JOB: JobHandler(run=self.build, on_permanent_failure=self.build_gave_up),
            COMPAT_JOB: JobHandler(run=self.test, on_permanent_failure=self.test_gave_up),
        }

    # Build ----------------------------------------------------------------------------

    def build(self, ctx: JobContext) -> None:
        build_number = int(ctx.payload["build_number"])
        with UnitOfWork(ctx.session_factory) as uow:
            release = _current_build(uow.session, ctx.subject_id, build_number)
            if release is None:
                return  # superseded by a rebuild or canceled: nothing to do
            version = uow.session.get(Version, release.version_id)
            partner = uow.session.get(PartnerApp, release.partner_app_id)
            assert version is not None and partner is not None
            source_sha256 = version.package_sha256
            config = BuildConfiguration.from_dict(release.configuration)
            roots = [sub["root"] for sub in version.app_json.get("subPackages", [])]
            limits = validate_package_limits(partner.package_limits)
            release.build_status = "running"
            uow.commit()
        fd, name = tempfile.mkstemp(dir=self.scratch.path, prefix="build-", suffix=".zip")
        os.close(fd)
        out = Path(name)
        try:
            with self.store.local_file(source_sha256, self.scratch.path) as source:
                result = build_package(
                    source, out, config, signer=self.signer, subpackage_roots=roots, limits=limits
                )
        except PackageInvalid as refused:
            out.unlink(missing_ok=True)
            self._record_build(ctx, build_number, failure=refused)
            return
        try:
            self.store.put(out, result.sha256)
        finally:
            out.unlink(missing_ok=True)
        self._record_build(
            ctx,
            build_number,
            fields={
                "build_status": "succeeded",
                "build_sha256": result.sha256,
                "build_size": result.size,
                "build_signature": result.signature,
                "build_key_id": result.key_id,
                "build_log": result.log,
            },
        )

    def _record_build(
        self,
        ctx: JobContext,
        build_number: int,
        *,
        fields: dict[str, Any] | None = None,
        failure: PackageInvalid | None = None,
    ) -> None:
        with UnitOfWork(ctx.session_factory) as uow:
            if not ctx.completes_with(uow):
                return
            release = _current_build(uow.session, ctx.subject_id, build_number, lock=True)
            if release is None:
                return
            if failure is not None:
                _fail_build(uow.session, release, f"{failure.rule}: {failure.detail}")
            else:
                _transition_system(uow.session, release, Action.BUILD_SUCCEEDED, BUILDER, fields)
            uow.commit()

    def build_gave_up(self, session: Session, job: Job, error: str) -> None:
        release = _current_build(session, job.subject_id, int(job.payload["build_number"]))
        if release is not None:
            _fail_build(session, release, f"build error: {error}")

    # Compatibility ----------------------------------------------------------------------

    def test(self, ctx: JobContext) -> None:
        with UnitOfWork(ctx.session_factory) as uow:
            found = _current_run(uow.session, ctx.subject_id)
            if found is None:
                return
            run, release = found
            partner = uow.session.get(PartnerApp, release.partner_app_id)
            mp = uow.session.get(MiniProgram, release.mini_program_id)
            version = uow.session.get(Version, release.version_id)
            assert partner is not None and mp is not None and version is not None
            assert release.build_sha256
            build_sha256, source_sha256 = release.build_sha256, version.package_sha256
            previous = self._previous_report(uow.session, run)
            # The lab reads the packages by their paths: they are local files once
            # the store made them so, below.
            lab_run = partial(
                LabRun,
                run_id=run.id,
                package_sha256=build_sha256,
                partner_app=partner.code,
                profile=partner.capability_profile,
                limits=validate_package_limits(partner.package_limits),
                matrix=run.matrix,
                out_dir=self.scratch.path,
                server_domains=list(mp.server_domains),
                h5_domains=list(mp.h5_domains),
                previous_report_path=previous,
            )
            run.status = "running"
            run.cells_done = 0
            uow.commit()
        # In the lab's processes: this one only waits, and records the cells done.
        try:
            with (
                self.store.local_file(build_sha256, self.scratch.path) as package_path,
                self.store.local_file(source_sha256, self.scratch.path) as source_path,
            ):
                result = self.lab.run(
                    lab_run(package_path=package_path, source_path=source_path),
                    progress=ProgressWriter(ctx.session_factory, run.id),
                )
        finally:
            if previous is not None:
                previous.unlink(missing_ok=True)
        with UnitOfWork(ctx.session_factory) as uow:
            if not ctx.completes_with(uow):
                return
            found = _current_run(uow.session, ctx.subject_id, lock=True)
            if found is None:
                return
            run, release = found
            run.status = "finished"
            # The JSON column stores RawJSON text as it is (db.py); it reads back a dict.
            report: Any = RawJSON(result.report_json)
            run.report = report
            run.summary = result.summary
            run.report_html = result.html
            run.cells_done = run.cells_total
            run.finished_at = utcnow()
            _transition_system(
                uow.session,
                release,
                Action.TEST_FINISHED,
                TESTER,
                {},
                details={"run_id": run.id, "result": run.summary.get("status")},
            )
            uow.commit()

    def _previous_report(self, session: Session, run: CompatibilityRun) -> Path | None:
        """The report of the last run of the same release that finished before this one
        (ids grow with time), which the new report is compared with: its JSON text as
        stored, in a file for the lab."""
        text = session.scalar(
            select(cast(CompatibilityRun.report, Text))
            .where(
                CompatibilityRun.release_id == run.release_id,
                CompatibilityRun.id < run.id,
                CompatibilityRun.status == "finished",
            )
            .order_by(CompatibilityRun.id.desc())
            .limit(1)
        )
        if text is None:
            return None
        path = self.scratch.path / f"{run.id}.previous.json"
        path.write_text(text, encoding="utf-8")
        return path

    def test_gave_up(self, session: Session, job: Job, error: str) -> None:
        found = _current_run(session, job.subject_id)
        if found is not None:
            run, release = found
            run.status = "failed"
            run.error = error[:2000]
            run.finished_at = utcnow()
            _transition_system(
                session,
                release,
                Action.TEST_FINISHED,
                TESTER,
                {},
                details={"run_id": run.id, "result": "error"},
            )


def _current_build(
    session: Session, release_id: str, build_number: int, *, lock: bool = False
) -> Release | None:
    release = session.get(Release, release_id, with_for_update=lock, populate_existing=lock)
    if release is None or release.status != Status.BUILDING or release.build_number != build_number:
        return None
    return release


def _current_run(
    session: Session, run_id: str, *, lock: bool = False
) -> tuple[CompatibilityRun, Release] | None:
    run = session.get(CompatibilityRun, run_id)
    if run is None or run.status in ("finished", "failed"):
        return None
    release = session.get(Release, run.release_id, with_for_update=lock, populate_existing=lock)
    if release is None or release.status != Status.TESTING or release.compat_run_id != run.id:
        return None
    return run, release


def _fail_build(session: Session, release: Release, message: str) -> None:
    _transition_system(
        session,
        release,
        Action.BUILD_FAILED,
        BUILDER,
        {"build_status": "failed", "build_log": [*release.build_log, message]},
        details={"error": message},
    )


def _transition_system(
    session: Session,
    release: Release,
    action: Action,
    actor: str,
    fields: dict[str, Any] | None,
    *,
    details: dict[str, Any] | None = None,
) -> None:
    mp = session.get(MiniProgram, release.mini_program_id)
    partner = session.get(PartnerApp, release.partner_app_id)
    transition(
        session,
        release,
        action,
        actor=actor,
        workspace_id=mp.workspace_id if mp else "",
        partner_app=partner.code if partner else None,
        changes=fields,
        details=details,
    )
