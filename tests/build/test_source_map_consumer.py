"""Source maps checked by a consumer we did not write: Mozilla's ``source-map`` package,
what browsers' and Node's tooling build on, run by the system's Node. Every identifier of
the minified code must resolve to the same identifier at its original line and column."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from minirelease.build.js_tokens import tokens
from minirelease.build.minify import minify_js_with_map
from minirelease.build.sourcemap import source_map_document
from minirelease.build.token_minify import minify_with_positions
from tests.build.js_samples import SAMPLES

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="needs Node.js (node and npm) to run the source-map consumer",
)

_IDENTIFIERS = frozenset(
    {
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "private_property_identifier",
        "statement_identifier",
    }
)
_LINE_BREAK = re.compile("\r\n|[\n\r\u2028\u2029]")
_RESOLVE = """
const { SourceMapConsumer } = require("source-map");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
SourceMapConsumer.with(input.map, null, (consumer) => {
  const found = input.positions.map(([line, column]) =>
    consumer.originalPositionFor({ line: line + 1, column }));
  process.stdout.write(JSON.stringify(found));
});
"""


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``source-map`` installed and the script that asks it."""
    folder = tmp_path_factory.mktemp("source-map")
    subprocess.run(
        ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error",
         "--prefix", str(folder), "source-map@0.7"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (folder / "resolve.js").write_text(_RESOLVE)
    return folder


def resolve(consumer: Path, source_map: bytes, positions: list[tuple[int, int]]) -> list[dict]:
    """The original positions the consumer gives for 0-based generated positions."""
    ran = subprocess.run(
        ["node", str(consumer / "resolve.js")],
        input=json.dumps({"map": json.loads(source_map), "positions": positions}),
        capture_output=True, text=True, check=True, cwd=consumer, timeout=60,
    )  # fmt: skip
    found: list[dict] = json.loads(ran.stdout)
    return found


def identifiers(code: bytes) -> list[tuple[str, int, int]]:
    """Each identifier of ``code`` with its 0-based line and UTF-16 column."""
    found = []
    for token in tokens(code):
        if token.kind in _IDENTIFIERS:
            before = code[: token.start].decode()
            line_start = max((m.end() for m in _LINE_BREAK.finditer(before)), default=0)
            line = len(_LINE_BREAK.findall(before))
            found.append((code[token.start : token.end].decode(), line, utf16(before[line_start:])))
    return found


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_at(source: str, line: int, column: int, length: int) -> str:
    units = _LINE_BREAK.split(source)[line].encode("utf-16-le")
    return units[2 * column : 2 * (column + length)].decode("utf-16-le")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_identifier_resolves_to_itself_in_the_original(consumer: Path, name: str) -> None:
    source, _ = SAMPLES[name]
    mapped = minify_js_with_map(f"pages/{name}.js", source.encode())
    assert mapped.source_map is not None
    names = identifiers(mapped.code)
    assert len(names) > 20  # the check is not vacuous
    assert len({line for _, line, _ in names}) > 1 or name == "regex-template"
    found = resolve(consumer, mapped.source_map, [(line, column) for _, line, column in names])
    for (identifier, line, column), original in zip(names, found, strict=True):
        where = f"{identifier!r} at generated {line + 1}:{column}"
        assert original["source"] == f"{name}.js", where
        text = text_at(source, original["line"] - 1, original["column"], utf16(identifier))
        assert text == identifier, where


def test_a_wrong_map_is_caught(consumer: Path) -> None:
    source, _ = SAMPLES["asi"]
    minified = minify_with_positions(source.encode())
    # Every token one column further right in the original than it is.
    shifted = [replace(s, original_column=s.original_column + 1) for s in minified.segments]
    wrong = source_map_document("asi.js", source, shifted)
    names = identifiers(minified.code.encode())
    found = resolve(consumer, wrong, [(line, column) for _, line, column in names])
    assert not any(
        text_at(source, original["line"] - 1, original["column"], utf16(identifier)) == identifier
        for (identifier, _, _), original in zip(names, found, strict=True)
    )
