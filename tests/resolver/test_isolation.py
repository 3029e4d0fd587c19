"""The SDK stands alone: it imports only the standard library, cryptography, mmh3 and
rfc8785, and nothing else of minirelease, so a partner app can vendor the folder under any name."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import minirelease.resolver

PACKAGE = Path(minirelease.resolver.__file__).parent
ALLOWED = {"cryptography", "mmh3", "rfc8785"}


def _run(code: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_its_modules_import_only_the_standard_library_and_its_three_libraries() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 6
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                continue  # a sibling module
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in ALLOWED, (path.name, name)


def test_importing_it_loads_nothing_else_of_minirelease() -> None:
    loaded = _run(
        """
        import sys
        import mmh3
        import rfc8785
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
        before = set(sys.modules)
        import minirelease.resolver
        print("\\n".join(sorted(set(sys.modules) - before)))
        """
    ).split()
    assert "minirelease.resolver.local" in loaded
    for name in loaded:
        top = name.split(".")[0]
        ours = name == "minirelease" or name.startswith("minirelease.resolver")
        assert ours or top in sys.stdlib_module_names, name


def test_a_vendored_copy_works_without_minirelease(tmp_path: Path) -> None:
    shutil.copytree(
        PACKAGE, tmp_path / "vendored_resolver", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = _run(
        """
        import sys
        sys.path = [p for p in sys.path if "minirelease" not in p and "/src" not in p]
        import vendored_resolver as r
        rollout = r.decide.AppRollout(online="old", candidate_release_id="rel_01",
                                      grayscale="new", state="grayscale", basis_points=8119)
        print(rollout.choose("user-1"), rollout.choose("user-2"), r.bucket("rel_01", "user-1"))
        print(any(m.startswith("minirelease") for m in sys.modules))
        """,
        cwd=tmp_path,
    )
    assert out.split() == ["new", "old", "8118", "False"]
