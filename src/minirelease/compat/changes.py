"""What changed since the previous run of the same release (design §5: "a retest shows
what changed"): findings new in this run, fixed since the last one and unchanged, and the
cells whose status moved.

Two findings are the same problem when rule, severity, file, line and message agree. A
release keeps its version, so a retest sees the same source lines; what moves findings is a
rebuilt configuration, changed profiles or a different matrix.

Runs may cover different cells (a run can be narrowed to a few OS versions, networks or
devices), so the two are compared only on the cells both covered: a finding the previous
run saw only in cells this run did not test is not "fixed" (it was not rechecked), and one
this run sees only in cells the previous run did not test is not "new" relative to it (it
was not looked for then)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

Key = tuple[str, str, str, int, str]


def _key(finding: Mapping[str, Any]) -> Key:
    line = finding.get("line")
    return (
        str(finding["rule"]),
        str(finding["severity"]),
        str(finding.get("file") or ""),
        line if isinstance(line, int) else -1,
        str(finding["message"]),
    )


def _shared(finding: Mapping[str, Any], both: Set[str]) -> list[str]:
    """The finding's cells that both runs covered, in its order."""
    return [cell for cell in finding.get("cells") or () if cell in both]


def _keys_in(findings: Iterable[Mapping[str, Any]], both: Set[str]) -> set[Key]:
    return {_key(finding) for finding in findings if _shared(finding, both)}


def changes_since(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """``{previous_run_id, new, unchanged, not_compared, fixed, cells_changed, summary}``,
    over the cells both runs covered:

    - ``new`` and ``unchanged`` list finding ids of ``current`` found in a shared cell,
      ``new`` when the previous run found that problem in no shared cell;
    - ``not_compared`` lists the finding ids of ``current`` found only in cells the previous
      run did not cover;
    - ``fixed`` holds the previous run's findings themselves (they are in no finding list of
      this report) that it found in a shared cell and this run found in none; their
      ``cells`` are the shared cells they were found in before;
    - ``cells_changed`` lists ``{cell, before, after}`` for shared cells whose status
      differs.

    ``summary`` counts each, plus ``not_rechecked`` (previous findings found only in cells
    this run did not cover), ``cells_compared`` (the shared cells) and ``cells_added`` /
    ``cells_removed`` (cells in one run only)."""
    old_status = {cell["id"]: cell["status"] for cell in previous["cells"]}
    new_status = {cell["id"]: cell["status"] for cell in current["cells"]}
    both = old_status.keys() & new_status.keys()
    found_then = _keys_in(previous["findings"], both)
    found_now = _keys_in(current["findings"], both)
    new: list[str] = []
    unchanged: list[str] = []
    not_compared: list[str] = []
    for finding in current["findings"]:
        if not _shared(finding, both):
            not_compared.append(finding["id"])
        elif _key(finding) in found_then:
            unchanged.append(finding["id"])
        else:
            new.append(finding["id"])
    fixed = [
        {field: finding.get(field) for field in _FIXED_FIELDS} | {"cells": _shared(finding, both)}
        for finding in previous["findings"]
        if _shared(finding, both) and _key(finding) not in found_now
    ]
    not_rechecked = sum(1 for finding in previous["findings"] if not _shared(finding, both))
    cells_changed = [
        {"cell": cell_id, "before": old_status[cell_id], "after": status}
        for cell_id, status in new_status.items()
        if cell_id in both and old_status[cell_id] != status
    ]
    return {
        "previous_run_id": previous["run_id"],
        "new": new,
        "unchanged": unchanged,
        "not_compared": not_compared,
        "fixed": fixed,
        "cells_changed": cells_changed,
        "summary": {
            "new": len(new),
            "fixed": len(fixed),
            "unchanged": len(unchanged),
            "not_compared": len(not_compared),
            "not_rechecked": not_rechecked,
            "cells_compared": len(both),
            "cells_changed": len(cells_changed),
            "cells_added": len(new_status.keys() - old_status.keys()),
            "cells_removed": len(old_status.keys() - new_status.keys()),
        },
    }


_FIXED_FIELDS = ("rule", "severity", "message", "file", "line", "column", "cells")
