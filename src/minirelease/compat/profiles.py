"""The OS, network and device profiles of design §5 as data: the shipped defaults, and the
validation that every profile (shipped or sent by a platform admin) passes. Pure: no I/O.

A profile is stored as ``(kind, name, data)`` with JSON ``data``:
- ``os`` named ``<platform>-<version>`` (``android-14``, ``ios-17``):
  ``{"language_level": "ES2022", "engine": "..."}``, the JavaScript its engine runs;
- ``network`` (``wifi``, ``2g``, ``offline``…): ``{"bandwidth_kbps", "rtt_ms", "loss"}``,
  offline when the bandwidth is 0;
- ``device`` (``low``, ``mid``, ``high``…): ``{"memory_mb", "app_memory_mb",
  "screen": {"width", "height"}}``, ``app_memory_mb`` being what the host lets one mini
  program use before it is killed."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from minirelease.errors import ValidationFailed

Kind = Literal["os", "network", "device"]
KINDS: Final[tuple[Kind, ...]] = ("os", "network", "device")

# Yearly ECMAScript editions, oldest first; the syntax rules map each feature to one.
LANGUAGE_LEVELS: Final = tuple(f"ES{year}" for year in range(2015, 2025))

NAME_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9.-]{0,39}")
OS_NAME_PATTERN: Final = re.compile(r"(android|ios)-([0-9]{1,3}(?:\.[0-9]{1,3})?)")
ENGINE_MAX_CHARS: Final = 100
# Bounds that no real profile reaches, low enough that a typo cannot hide a problem.
MAX_BANDWIDTH_KBPS: Final = 10_000_000
MAX_RTT_MS: Final = 60_000
MAX_MEMORY_MB: Final = 1_048_576
MAX_SCREEN_PX: Final = 20_000


@dataclass(frozen=True)
class OsProfile:
    name: str
    platform: str
    version: str
    language_level: str
    engine: str

    @property
    def level_rank(self) -> int:
        return LANGUAGE_LEVELS.index(self.language_level)


@dataclass(frozen=True)
class NetworkProfile:
    name: str
    bandwidth_kbps: int
    rtt_ms: int
    loss: float  # fraction of packets lost, 0 to 1

    @property
    def offline(self) -> bool:
        return self.bandwidth_kbps == 0


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    memory_mb: int
    app_memory_mb: int
    screen_width: int
    screen_height: int


Profile = OsProfile | NetworkProfile | DeviceProfile


# The JavaScript of the engine a mini program runs in on each OS version. Android WebViews
# are the Chromium of that release's era as hosts bundle or pin it; iOS uses its
# JavaScriptCore, which follows Safari's version.
_ANDROID: Final = {
    "7": ("ES2017", "Android System WebView 51-58"),
    "8": ("ES2017", "Android System WebView 58-66"),
    "9": ("ES2019", "Android System WebView 69-73"),
    "10": ("ES2020", "Android System WebView 80"),
    "11": ("ES2021", "Android System WebView 85-90"),
    "12": ("ES2022", "Android System WebView 95-100"),
    "13": ("ES2022", "Android System WebView 105-110"),
    "14": ("ES2023", "Android System WebView 115-120"),
    "15": ("ES2023", "Android System WebView 125-130"),
}
_IOS: Final = {
    "12": ("ES2019", "JavaScriptCore (Safari 12)"),
    "13": ("ES2019", "JavaScriptCore (Safari 13)"),
    "14": ("ES2021", "JavaScriptCore (Safari 14)"),
    "15": ("ES2021", "JavaScriptCore (Safari 15)"),
    "16": ("ES2022", "JavaScriptCore (Safari 16.4)"),
    "17": ("ES2023", "JavaScriptCore (Safari 17)"),
    "18": ("ES2023", "JavaScriptCore (Safari 18)"),
}

DEFAULT_PROFILES: Final[dict[Kind, dict[str, dict[str, Any]]]] = {
    "os": {
        f"{platform}-{version}": {"language_level": level, "engine": engine}
        for platform, versions in (("android", _ANDROID), ("ios", _IOS))
        for version, (level, engine) in versions.items()
    },
    # WebPageTest's connection presets; offline has no bandwidth at all.
    "network": {
        "wifi": {"bandwidth_kbps": 30_000, "rtt_ms": 20, "loss": 0.0},
        "4g": {"bandwidth_kbps": 9_000, "rtt_ms": 170, "loss": 0.0},
        "3g": {"bandwidth_kbps": 1_600, "rtt_ms": 300, "loss": 0.01},
        "2g": {"bandwidth_kbps": 280, "rtt_ms": 800, "loss": 0.02},
        "offline": {"bandwidth_kbps": 0, "rtt_ms": 0, "loss": 1.0},
    },
    "device": {
        "low": {"memory_mb": 2048, "app_memory_mb": 128, "screen": {"width": 720, "height": 1280}},
        "mid": {"memory_mb": 4096, "app_memory_mb": 256, "screen": {"width": 1080, "height": 2340}},
        "high": {
            "memory_mb": 8192,
            "app_memory_mb": 512,
            "screen": {"width": 1440, "height": 3200},
        },
    },
}


def _refuse(field: str, detail: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {detail}", field=field)


def _show(value: object, limit: int = 80) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=repr)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def validate_kind(kind: object) -> Kind:
    for known in KINDS:
        if kind == known:
            return known
    raise _refuse("kind", f"{_show(kind)} is not a profile kind; known: {', '.join(KINDS)}")


def validate_profile(kind: Kind, name: object, data: object) -> Profile:
    """The profile ``data`` describes, or ``ValidationFailed`` naming the first problem."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise _refuse(
            "name",
            f"{_show(name)} is not a profile name: 1 to 40 lower-case letters, digits, "
            "dots and dashes",
        )
    if not isinstance(data, Mapping):
        raise _refuse("data", f"expected an object, got {_show(data)}")
    if kind == "os":
        return _os_profile(name, data)
    if kind == "network":
        return _network_profile(name, data)
    return _device_profile(name, data)


def _keys(data: Mapping[Any, Any], expected: tuple[str, ...], field: str = "data") -> None:
    unknown = sorted(str(key) for key in data if key not in expected)
    missing = [key for key in expected if key not in data]
    if unknown or missing:
        problems = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
        problems += [f"missing key(s) {', '.join(missing)}"] if missing else []
        raise _refuse(field, f"{'; '.join(problems)}; expected {', '.join(expected)}")


def _whole(data: Mapping[Any, Any], key: str, low: int, high: int, field: str = "data") -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(f"{field}.{key}", f"{_show(value)} must be a whole number, {low} to {high}")
    return value


def _os_profile(name: str, data: Mapping[Any, Any]) -> OsProfile:
    match = OS_NAME_PATTERN.fullmatch(name)
    if match is None:
        raise _refuse("name", f"{_show(name)} must name a platform and version, like 'android-14'")
    _keys(data, ("language_level", "engine"))
    level, engine = data["language_level"], data["engine"]
    if level not in LANGUAGE_LEVELS:
        raise _refuse(
            "data.language_level",
            f"{_show(level)} is not a language level; known: {', '.join(LANGUAGE_LEVELS)}",
        )
    if not isinstance(engine, str) or not 1 <= len(engine.strip()) <= ENGINE_MAX_CHARS:
        raise _refuse("data.engine", f"{_show(engine)} must be 1 to {ENGINE_MAX_CHARS} characters")
    return OsProfile(name, match.group(1), match.group(2), str(level), engine.strip())


def _network_profile(name: str, data: Mapping[Any, Any]) -> NetworkProfile:
    _keys(data, ("bandwidth_kbps", "rtt_ms", "loss"))
    loss = data["loss"]
    if isinstance(loss, bool) or not isinstance(loss, int | float) or not 0 <= loss <= 1:
        raise _refuse("data.loss", f"{_show(loss)} must be a fraction of packets, 0 to 1")
    bandwidth = _whole(data, "bandwidth_kbps", 0, MAX_BANDWIDTH_KBPS)
    if bandwidth > 0 and loss == 1:
        raise _refuse("data.loss", "a network that loses every packet is offline: bandwidth 0")
    return NetworkProfile(name, bandwidth, _whole(data, "rtt_ms", 0, MAX_RTT_MS), float(loss))


def _device_profile(name: str, data: Mapping[Any, Any]) -> DeviceProfile:
    _keys(data, ("memory_mb", "app_memory_mb", "screen"))
    memory = _whole(data, "memory_mb", 1, MAX_MEMORY_MB)
    app_memory = _whole(data, "app_memory_mb", 1, MAX_MEMORY_MB)
    if app_memory > memory:
        raise _refuse("data.app_memory_mb", f"{app_memory} exceeds data.memory_mb ({memory})")
    screen = data["screen"]
    if not isinstance(screen, Mapping):
        raise _refuse("data.screen", f"expected an object, got {_show(screen)}")
    _keys(screen, ("width", "height"), "data.screen")
    return DeviceProfile(
        name,
        memory,
        app_memory,
        _whole(screen, "width", 1, MAX_SCREEN_PX, "data.screen"),
        _whole(screen, "height", 1, MAX_SCREEN_PX, "data.screen"),
    )


@dataclass(frozen=True)
class ProfileSet:
    """Every profile by kind, each mapping in presentation order."""

    os: Mapping[str, OsProfile]
    networks: Mapping[str, NetworkProfile]
    devices: Mapping[str, DeviceProfile]

    def os_for(self, platform: str, version: str) -> OsProfile | None:
        """The profile of ``platform`` ``version``: exact (``android-14.2``), else its major
        version's (``android-14``)."""
        exact = self.os.get(f"{platform}-{version}")
        return exact or self.os.get(f"{platform}-{version.split('.')[0]}")


def profile_set(data: Mapping[Any, Mapping[str, Mapping[str, Any]]]) -> ProfileSet:
    """Validated profiles from ``{kind: {name: data}}``; kinds left out are empty."""
    built: dict[Kind, dict[str, Profile]] = {kind: {} for kind in KINDS}
    for kind_name, profiles in data.items():
        kind = validate_kind(kind_name)
        for name, profile_data in profiles.items():
            built[kind][name] = validate_profile(kind, name, profile_data)
    return ProfileSet(
        os={name: p for name, p in built["os"].items() if isinstance(p, OsProfile)},
        networks={name: p for name, p in built["network"].items() if isinstance(p, NetworkProfile)},
        devices={name: p for name, p in built["device"].items() if isinstance(p, DeviceProfile)},
    )


def default_profiles() -> ProfileSet:
    return profile_set(DEFAULT_PROFILES)
