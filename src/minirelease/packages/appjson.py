"""Validating ``app.json``: the pages of the main package and of each subpackage. Pure: it
takes the file's bytes, already capped by the caller."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from minirelease.errors import PackageInvalid
from minirelease.packages.rules import (
    APP_JSON,
    APP_JSON_INVALID,
    page_path_problem,
    refuse,
    relative_path_problem,
)


@dataclass(frozen=True)
class Subpackage:
    root: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class AppManifest:
    raw: dict[str, Any]
    pages: tuple[str, ...]
    subpackages: tuple[Subpackage, ...]

    def page_locations(self) -> list[tuple[str, str]]:
        """Every page as (root, page); the main package's root is ''."""
        main = [("", page) for page in self.pages]
        return main + [(sub.root, page) for sub in self.subpackages for page in sub.pages]

    def summary(self) -> dict[str, Any]:
        """What a version keeps of app.json."""
        return {
            "pages": list(self.pages),
            "subPackages": [{"root": s.root, "pages": list(s.pages)} for s in self.subpackages],
        }


def _invalid(message: str) -> PackageInvalid:
    return refuse(APP_JSON_INVALID, f"app.json {message}", APP_JSON)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _invalid(f"repeats the key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise _invalid(f"uses {name}, which is not JSON")


def _load(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")  # a leading BOM, as some editors write, is fine
    except UnicodeDecodeError:
        raise _invalid("is not valid UTF-8") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise _invalid(f"is not valid JSON: {exc.msg} at {where}") from None
    except RecursionError:
        raise _invalid("is nested too deeply") from None


def _page_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise _invalid(f"{where} must be a list of page paths (strings)")
    if not value:
        raise _invalid(f"{where} must list at least one page")
    seen: set[str] = set()
    for page in value:
        problem = page_path_problem(page)
        if problem is not None:
            raise _invalid(f"{where}: page {page!r} {problem}")
        if page in seen:
            raise _invalid(f"{where}: page {page!r} is listed twice")
        seen.add(page)
    return tuple(value)


def _subpackage(index: int, value: Any) -> Subpackage:
    where = f'"subPackages"[{index}]'
    if not isinstance(value, dict):
        raise _invalid(f'{where} must be an object with "root" and "pages"')
    root = value.get("root")
    if not isinstance(root, str):
        raise _invalid(f'{where} needs a "root" directory (a string)')
    root = root.removesuffix("/")
    problem = relative_path_problem(root)
    if problem is not None:
        raise _invalid(f"{where}: root {value['root']!r} {problem}")
    return Subpackage(root=root, pages=_page_list(value.get("pages"), f'{where}."pages"'))


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _subpackages(value: Any, main_pages: tuple[str, ...]) -> tuple[Subpackage, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _invalid('"subPackages" must be a list of {"root", "pages"} objects')
    subs = tuple(_subpackage(i, item) for i, item in enumerate(value))
    for i, sub in enumerate(subs):
        for other in subs[i + 1 :]:
            if _within(sub.root, other.root) or _within(other.root, sub.root):
                raise _invalid(f"subpackage roots {sub.root!r} and {other.root!r} overlap")
        for page in main_pages:
            if _within(page, sub.root):
                raise _invalid(f"main page {page!r} lies inside subpackage root {sub.root!r}")
    return subs


def parse_app_json(data: bytes) -> AppManifest:
    """Parse and validate app.json, or raise ``PackageInvalid`` (rule app-json-invalid)
    with a message saying what is wrong."""
    raw = _load(data)
    if not isinstance(raw, dict):
        raise _invalid("must be a JSON object")
    if "pages" not in raw:
        raise _invalid('has no "pages" list')
    pages = _page_list(raw["pages"], '"pages"')
    return AppManifest(
        raw=raw, pages=pages, subpackages=_subpackages(raw.get("subPackages"), pages)
    )
