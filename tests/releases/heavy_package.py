"""A legitimately large mini program: thousands of verbose JS modules, so that building it
(minifying every file) or testing its compatibility (parsing every file) takes seconds,
long enough to kill the server in the middle, while the upload stays within design §4's
limits (at most 5000 entries, 20 MiB compressed, 256 MiB expanded)."""

from __future__ import annotations

import functools

from tests.packages.zips import MiB, project, zip_bytes

# About 450 bytes of ordinary, commented code; the minifier strips the comments and
# indentation, the parser walks every statement.
_BLOCK = """
/**
 * Formats entry {module}.{index} for display; verbose on purpose, the build minifies it.
 */
function format_{module}_{index}(record, options) {{
    var result = [];   // collected parts
    for (var at = 0; at < record.items.length; at += 1) {{
        if (record.items[at] !== undefined && options.verbose === true) {{
            result.push("item " + at + ": " + String(record.items[at]));
        }}
    }}
    return result.join(", ");
}}
"""

# Package limits for a partner app that takes such a package once built.
ROOMY_LIMITS = {
    "main_package_bytes": 64 * MiB,
    "subpackage_bytes": 64 * MiB,
    "total_bytes": 64 * MiB,
}


def heavy_project(modules: int, blocks_per_module: int) -> dict[str, bytes]:
    files = project()
    for module in range(modules):
        code = "".join(
            _BLOCK.format(module=module, index=index) for index in range(blocks_per_module)
        )
        files[f"lib/module{module:04d}.js"] = code.encode()
    return files


@functools.cache  # a few seconds to make: made once for both databases
def heavy_zip(modules: int, blocks_per_module: int) -> bytes:
    return zip_bytes(heavy_project(modules, blocks_per_module))
