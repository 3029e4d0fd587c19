"""The production layout as the README gives it: the commands of its "Step by step"
block and the variables of deploy/minirelease.env.example. The scale-out test runs these
and nothing else, so the README cannot drift from what is tested."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.releases.live import ROOT

README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / "deploy" / "minirelease.env.example"
# Options whose values are the machine's own (where it listens): the only changes made.
MACHINE_OPTIONS = ("--host", "--port", "--metrics-port")


@dataclass(frozen=True)
class Layout:
    migrate: list[str]
    api: list[str]
    worker: list[str]
    variables: tuple[str, ...]


def _step_by_step_block(readme: str) -> str:
    section = readme.split("### Step by step", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "README: no ```sh block under 'Step by step'"
    return match.group(1)


def _commands(block: str) -> list[list[str]]:
    return [shlex.split(line) for line in block.splitlines() if line.startswith("minirelease ")]


def env_variables(path: Path = ENV_EXAMPLE) -> tuple[str, ...]:
    names = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            names.append(line.split("=", 1)[0].strip())
    return tuple(names)


def read_layout() -> Layout:
    block = _step_by_step_block(README.read_text())
    assert ". /etc/minirelease/env" in block, "README: the block must load the environment"
    by_role: dict[str, list[str]] = {}
    for argv in _commands(block):
        role = {"db": "migrate", "serve": "api", "worker": "worker"}[argv[1]]
        assert role not in by_role, f"README: two {role} commands"
        by_role[role] = argv
    return Layout(
        migrate=by_role["migrate"],
        api=by_role["api"],
        worker=by_role["worker"],
        variables=env_variables(),
    )


def on_machine(argv: list[str], **values: str) -> list[str]:
    """``argv`` with the values of the machine options replaced (``port="8123"``)."""
    changed = list(argv)
    for name, value in values.items():
        option = "--" + name.replace("_", "-")
        assert option in MACHINE_OPTIONS, option
        index = changed.index(option)
        changed[index + 1] = value
    return changed
