"""The compatibility gate of "Apply to Release" (issue 8, item 6): which finished run on
the current build the release stands on.

Apply needs a finished run over the partner app's *whole* matrix on the current build.
Narrowed runs (``os``, ``networks``, ``devices`` given to "Test Compatibility") are for
iterating on a few cells; they never open the gate, and a later narrowed run does not hide
an earlier whole one: the gate uses the latest finished whole run of the current build.

Every partner app needs that whole run, whatever its policy on failing reports. Design §3
makes apply need a finished run on the current build and lets the reviewers (the
platform's and the partner app's) decide on its report; a run is, by design §5 and the
product guide's "Test Compatibility", the package across the partner app's operating
systems, networks and devices. A report over a few chosen cells would let a release into
review, or past a partner app that refuses failing reports, on cells picked to pass. The
partner app's policy (``block_on_failing_report``: a report whose status is ``fail``
blocks; ``warn`` does not) is then judged on the whole run's report."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.compat.matrix import FULL, NARROWED, Scope, build_matrix, scope_of
from minirelease.compat.profile_store import current_profiles
from minirelease.errors import ValidationFailed
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import CompatibilityRun, Release


def finished_runs(session: Session, release: Release) -> list[CompatibilityRun]:
    """The finished runs of the release's current build, the latest first."""
    return list(
        session.scalars(
            select(CompatibilityRun)
            .where(
                CompatibilityRun.release_id == release.id,
                CompatibilityRun.build_number == release.build_number,
                CompatibilityRun.status == "finished",
            )
            .order_by(CompatibilityRun.id.desc())  # ids grow with time
        )
    )


def gate_run(
    session: Session, release: Release, runs: Sequence[CompatibilityRun] | None = None
) -> CompatibilityRun | None:
    """The latest finished run over the partner app's whole matrix on the current build
    (among ``runs``, the release's ``finished_runs`` when not given), or None."""
    whole_now: list[str] | None = None
    for run in finished_runs(session, release) if runs is None else runs:
        scope = recorded_scope(run)
        if scope is None:  # started before scopes were recorded: compare with the matrix now
            whole_now = _whole_cells(session, release) if whole_now is None else whole_now
            scope = scope_of(run.matrix.get("cells", ()), whole_now) if whole_now else NARROWED
        if scope == FULL:
            return run
    return None


def recorded_scope(run: CompatibilityRun) -> Scope | None:
    """``full`` or ``narrowed`` as recorded when the run started (compat_runs.start_run),
    or None for a run started before that was recorded."""
    scope = run.matrix.get("scope")
    return FULL if scope == FULL else NARROWED if scope == NARROWED else None


def _whole_cells(session: Session, release: Release) -> list[str]:
    """The cell ids of the partner app's whole matrix as it is now; none when it cannot be
    built (an OS version without a profile), and then no older run counts as whole."""
    partner = session.get(PartnerApp, release.partner_app_id)
    if partner is None:
        return []
    try:
        matrix = build_matrix(
            partner.code, partner.capability_profile["os_versions"], current_profiles(session)
        )
    except ValidationFailed:
        return []
    return [cell.id for cell in matrix.cells()]
