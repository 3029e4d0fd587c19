"""Where ``minirelease login`` keeps servers and tokens: one JSON file per user, readable
by its owner only (mode 0600), holding one entry per profile name.

``MINIRELEASE_SERVER`` and ``MINIRELEASE_TOKEN`` override the stored profile, so a CI job
needs no file at all."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from minirelease.cli.exits import CliError, Exit

DEFAULT_PROFILE = "default"
_FILE_NAME = "profiles.json"


def config_dir() -> Path:
    explicit = os.environ.get("MINIRELEASE_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "minirelease"


@dataclass(frozen=True)
class Profile:
    name: str
    server: str
    token: str


def _path() -> Path:
    return config_dir() / _FILE_NAME


def _read_all() -> dict[str, dict[str, str]]:
    path = _path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CliError(
            f"cannot read {path}: {exc}", code="config_unreadable", exit_code=Exit.USAGE
        ) from None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    return profiles if isinstance(profiles, dict) else {}


def _write_all(profiles: dict[str, dict[str, str]]) -> Path:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    # Created with 0600 from the start: the token is never readable by others, not even
    # for the moment between writing and a chmod.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"profiles": profiles}, out, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def save(profile: Profile) -> Path:
    profiles = _read_all()
    profiles[profile.name] = {"server": profile.server, "token": profile.token}
    return _write_all(profiles)


def forget(name: str) -> bool:
    profiles = _read_all()
    if profiles.pop(name, None) is None:
        return False
    _write_all(profiles)
    return True


def resolve(name: str | None, server: str | None = None) -> Profile:
    """The server and token to use: flags and environment first, then the stored profile."""
    name = name or os.environ.get("MINIRELEASE_PROFILE") or DEFAULT_PROFILE
    stored = _read_all().get(name, {})
    server = server or os.environ.get("MINIRELEASE_SERVER") or stored.get("server")
    token = os.environ.get("MINIRELEASE_TOKEN") or stored.get("token")
    if not server:
        raise CliError(
            f"no server for profile {name!r}: run `minirelease login --server URL` "
            "or set MINIRELEASE_SERVER",
            code="not_logged_in",
            exit_code=Exit.UNREACHABLE_OR_AUTH,
        )
    if not token:
        raise CliError(
            f"no token for profile {name!r}: run `minirelease login` or set MINIRELEASE_TOKEN",
            code="not_logged_in",
            exit_code=Exit.UNREACHABLE_OR_AUTH,
        )
    return Profile(name=name, server=server.rstrip("/"), token=token)
