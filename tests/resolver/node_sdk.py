"""Running the JavaScript resolver (sdk/js) from the Python tests with the system's Node:
the SDK copied to a temporary folder, its npm dependencies installed there (never into the
repository: no node_modules, no package-lock.json), and a driver (sdk_driver.mjs) that
answers one JSON request per run."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SDK = Path(__file__).resolve().parents[2] / "sdk" / "js"
DRIVER = Path(__file__).with_name("sdk_driver.mjs")
MISSING = [tool for tool in ("node", "npm") if shutil.which(tool) is None]


@dataclass(frozen=True)
class NodeSdk:
    folder: Path

    def run(self, request: dict[str, Any]) -> Any:
        """The driver's answer to ``request`` (written to a file: 10,000 user ids are long)."""
        path = self.folder / "request.json"
        path.write_text(json.dumps(request), encoding="utf-8")
        ran = subprocess.run(
            ["node", str(self.folder / "sdk_driver.mjs"), str(path)],
            capture_output=True, check=False, cwd=self.folder, timeout=120,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr.decode()
        return json.loads(ran.stdout)


def install(folder: Path) -> NodeSdk:
    """sdk/js in ``folder`` with the dependencies its package.json names."""
    shutil.copytree(SDK, folder, ignore=shutil.ignore_patterns("node_modules", "package-lock.json"))
    subprocess.run(
        ["npm", "install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"],
        check=True, capture_output=True, cwd=folder, timeout=300,
    )  # fmt: skip
    shutil.copy(DRIVER, folder / "sdk_driver.mjs")
    return NodeSdk(folder)
