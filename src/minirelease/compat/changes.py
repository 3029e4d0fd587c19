"""What changed since the previous run of the same release (design §5: "a retest shows
what changed"): findings new in this run, fixed since the last one and unchanged, and the
cells whose status moved.

Two findings are the same problem when rule, severity, file, line and message agree. A
release keeps its version, so a retest sees the same source lines; what moves findings is a
rebuilt configuration, changed profiles or a narrower matrix."""

from __future__ import annotations

from collections.abc import Mapping
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


def changes_since(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """``{previous_run_id, new, unchanged, fixed, cells_changed, summary}``: ``new`` and
    ``unchanged`` list finding ids of ``current``; ``fixed`` holds the previous run's
    findings themselves (they are in no finding list of this report);
    ``cells_changed`` lists ``{cell, before, after}`` for cells of both runs whose status
    differs; cells in one run only are counted as ``cells_added`` / ``cells_removed``."""
    found_now = {_key(finding) for finding in current["findings"]}
    found_then = {_key(finding) for finding in previous["findings"]}
    new = [finding["id"] for finding in current["findings"] if _key(finding) not in found_then]
    unchanged = [finding["id"] for finding in current["findings"] if _key(finding) in found_then]
    fixed = [
        {field: finding.get(field) for field in _FIXED_FIELDS}
        for finding in previous["findings"]
        if _key(finding) not in found_now
    ]
    old_status = {cell["id"]: cell["status"] for cell in previous["cells"]}
    new_status = {cell["id"]: cell["status"] for cell in current["cells"]}
    cells_changed = [
        {"cell": cell_id, "before": old_status[cell_id], "after": status}
        for cell_id, status in new_status.items()
        if cell_id in old_status and old_status[cell_id] != status
    ]
    return {
        "previous_run_id": previous["run_id"],
        "new": new,
        "unchanged": unchanged,
        "fixed": fixed,
        "cells_changed": cells_changed,
        "summary": {
            "new": len(new),
            "fixed": len(fixed),
            "unchanged": len(unchanged),
            "cells_changed": len(cells_changed),
            "cells_added": len(new_status.keys() - old_status.keys()),
            "cells_removed": len(old_status.keys() - new_status.keys()),
        },
    }


_FIXED_FIELDS = ("rule", "severity", "message", "file", "line", "column", "cells")
