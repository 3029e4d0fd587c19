"""The report of a compatibility run in the JSON shape of design §5:

    {run_id, package_sha256,
     matrix: {partner_app, os_versions, networks, devices, cells: [cell ids]},
     cells: [{id, partner_app, platform, os_version, network, device, status, findings}],
     findings: [{id, rule, severity, message, file, line, column, cells}],
     summary: {cells, pass, warn, fail, findings, findings_by_rule, status}}

A cell fails when any of its findings fails, warns when any warns, and passes otherwise; the
run's status is its worst cell's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

from minirelease.compat.model import Cell, MatrixFinding

Status = Literal["pass", "warn", "fail"]
STATUSES: Final[tuple[Status, ...]] = ("pass", "warn", "fail")  # from best to worst


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=STATUSES.index, default="pass")


def build_report(
    *,
    run_id: str,
    package_sha256: str,
    partner_app: str,
    os_versions: Mapping[str, Sequence[str]],
    cells: Sequence[Cell],
    findings: Sequence[MatrixFinding],
    networks: Sequence[str] = (),
    devices: Sequence[str] = (),
) -> dict[str, Any]:
    finding_ids = [f"f{index}" for index in range(1, len(findings) + 1)]
    known = {cell.id for cell in cells}
    per_cell: dict[str, list[str]] = {cell.id: [] for cell in cells}
    severities: dict[str, list[Status]] = {cell.id: [] for cell in cells}
    for finding_id, found in zip(finding_ids, findings, strict=True):
        for cell_id in found.cells:
            if cell_id not in known:
                raise ValueError(f"finding {finding_id} names {cell_id!r}, not a cell of the run")
            per_cell[cell_id].append(finding_id)
            severities[cell_id].append(found.finding.severity)
    cell_entries = [_cell(cell, worst(severities[cell.id]), per_cell[cell.id]) for cell in cells]
    statuses = Counter(entry["status"] for entry in cell_entries)
    return {
        "run_id": run_id,
        "package_sha256": package_sha256,
        "matrix": {
            "partner_app": partner_app,
            "os_versions": {platform: list(versions) for platform, versions in os_versions.items()},
            "networks": list(networks),
            "devices": list(devices),
            "cells": [cell.id for cell in cells],
        },
        "cells": cell_entries,
        "findings": [
            found.to_dict(finding_id)
            for finding_id, found in zip(finding_ids, findings, strict=True)
        ],
        "summary": {
            "cells": len(cells),
            **{status: statuses[status] for status in STATUSES},
            "findings": len(findings),
            "findings_by_rule": dict(
                sorted(Counter(found.finding.rule for found in findings).items())
            ),
            "status": worst(entry["status"] for entry in cell_entries),
        },
    }


def _cell(cell: Cell, status: Status, finding_ids: list[str]) -> dict[str, Any]:
    return {
        "id": cell.id,
        "partner_app": cell.partner_app,
        "platform": cell.platform,
        "os_version": cell.os_version,
        "network": cell.network,
        "device": cell.device,
        "status": status,
        "findings": finding_ids,
    }
