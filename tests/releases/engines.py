"""What the tests of issue 14 look for in a server's processes: whether a process has the
engine's library mapped, and the engine processes a server's data directory has."""

from __future__ import annotations

from pathlib import Path

ENGINE_LIBRARY = "libmini_racer"
ENGINE_MODULE = b"minirelease.compat.runtime.child"


def loads_engine(pid: int) -> bool:
    return ENGINE_LIBRARY in Path(f"/proc/{pid}/maps").read_text()


def engine_processes(data_dir: Path) -> list[int]:
    """Live engine processes started by a server on ``data_dir`` (they inherit its
    environment), whoever their parent is now."""
    wanted = f"MINIRELEASE_DATA_DIR={data_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile
        if ENGINE_MODULE in command and wanted in environ and state != "Z":
            found.append(int(proc.name))
    return found
