"""The files a smoke run can load: app.js, the pages' scripts and what they load, followed
through literal specifiers as the one resolver (``compat/modules.py``) answers them,
``.json`` files included. A big package hands the engine its few hundred reachable modules
instead of every file, in every engine run. The module graph's walk is the one the static
rules use to know which files load (``compat/loadable.py``)."""

from __future__ import annotations

from minirelease.compat.loadable import (
    LOADABLE,
    literal_specifiers,
    loaded_by,
    reachable_files,
)

__all__ = ["LOADABLE", "literal_specifiers", "loaded_by", "reachable_files"]
