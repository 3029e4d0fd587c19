"""A run's matrix (design §5): the target partner app x its OS versions x networks x devices,
all of them unless the request narrows it. The matrix keeps the profiles it was built from,
so a run evaluates what it was started with even if an admin changes a profile meanwhile;
``to_json``/``from_json`` store it on the run. ``scope_of`` tells a run over the partner
app's whole matrix from a narrowed one (narrowed runs are for iterating; applying needs a
whole one). Pure: no I/O."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from minirelease.compat.model import Cell, CellContext, Target
from minirelease.compat.profiles import (
    DeviceProfile,
    NetworkProfile,
    OsProfile,
    ProfileSet,
    profile_set,
)
from minirelease.errors import ValidationFailed

Scope = Literal["full", "narrowed"]
FULL: Final = "full"
NARROWED: Final = "narrowed"


@dataclass(frozen=True)
class Matrix:
    partner_app: str
    os: tuple[OsProfile, ...]  # one per OS version of the partner app, named as its cell
    networks: tuple[NetworkProfile, ...]
    devices: tuple[DeviceProfile, ...]

    def cells(self) -> list[Cell]:
        return [combination[0] for combination in self._combinations()]

    def contexts(self, target: Target) -> list[CellContext]:
        """Every cell with its profiles, in matrix order."""
        return [
            CellContext(cell, target, os, network, device)
            for cell, os, network, device in self._combinations()
        ]

    def _combinations(
        self,
    ) -> list[tuple[Cell, OsProfile, NetworkProfile, DeviceProfile]]:
        """OS first, then network, then device."""
        return [
            (
                Cell(self.partner_app, os.platform, os.version, network.name, device.name),
                os,
                network,
                device,
            )
            for os in self.os
            for network in self.networks
            for device in self.devices
        ]

    def os_versions(self) -> dict[str, list[str]]:
        versions: dict[str, list[str]] = {}
        for os in self.os:
            versions.setdefault(os.platform, []).append(os.version)
        return versions

    def to_json(self) -> dict[str, Any]:
        return {
            "partner_app": self.partner_app,
            "os_versions": self.os_versions(),
            "networks": [network.name for network in self.networks],
            "devices": [device.name for device in self.devices],
            "cells": [cell.id for cell in self.cells()],
            "profiles": {
                "os": {os.name: _os_data(os) for os in self.os},
                "network": {network.name: _network_data(network) for network in self.networks},
                "device": {device.name: _device_data(device) for device in self.devices},
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Matrix:
        """The matrix ``to_json`` stored, its profiles validated again."""
        profiles = profile_set(data["profiles"])
        return cls(
            partner_app=str(data["partner_app"]),
            os=tuple(profiles.os.values()),
            networks=tuple(profiles.networks.values()),
            devices=tuple(profiles.devices.values()),
        )


def scope_of(cells: Iterable[str], whole: Iterable[str]) -> Scope:
    """``full`` when the cell ids ``cells`` cover every cell of ``whole`` (the partner app's
    matrix with nothing narrowed, at the time), else ``narrowed``. A narrowing that names
    every OS version, network and device is whole."""
    return FULL if set(whole) <= set(cells) else NARROWED


def _os_data(os: OsProfile) -> dict[str, Any]:
    return {"language_level": os.language_level, "engine": os.engine}


def _network_data(network: NetworkProfile) -> dict[str, Any]:
    return {
        "bandwidth_kbps": network.bandwidth_kbps,
        "rtt_ms": network.rtt_ms,
        "loss": network.loss,
    }


def _device_data(device: DeviceProfile) -> dict[str, Any]:
    return {
        "memory_mb": device.memory_mb,
        "app_memory_mb": device.app_memory_mb,
        "screen": {"width": device.screen_width, "height": device.screen_height},
    }


def build_matrix(
    partner_app: str,
    os_versions: Mapping[str, Sequence[str]],
    profiles: ProfileSet,
    *,
    os: Sequence[str] | None = None,
    networks: Sequence[str] | None = None,
    devices: Sequence[str] | None = None,
) -> Matrix:
    """The partner app's OS versions x every network x every device, or the names given
    (``android-14``, ``3g``, ``low``). Unknown names and OS versions without a profile are
    refused with ``ValidationFailed``."""
    supported = [
        _os_profile(profiles, platform, version)
        for platform, versions in os_versions.items()
        for version in versions
    ]
    return Matrix(
        partner_app,
        tuple(_narrowed("os", supported, os, f"supported by partner app {partner_app!r}")),
        tuple(_narrowed("networks", list(profiles.networks.values()), networks, "a network")),
        tuple(_narrowed("devices", list(profiles.devices.values()), devices, "a device")),
    )


def _os_profile(profiles: ProfileSet, platform: str, version: str) -> OsProfile:
    found = profiles.os_for(platform, version)
    name = f"{platform}-{version}"
    if found is None:
        raise ValidationFailed(
            f"{name} has no OS profile (its JavaScript language level is unknown); "
            f"a platform admin can add one with PUT /compat/profiles/os/{name}",
            field="os",
        )
    return dataclasses.replace(found, name=name, version=version)


P = TypeVar("P", OsProfile, NetworkProfile, DeviceProfile)


def _narrowed(
    field: str, available: list[P], chosen: Sequence[str] | None, known_as: str
) -> list[P]:
    """``available`` in its order, keeping only ``chosen`` when given."""
    if chosen is None:
        return available
    if not chosen:
        raise ValidationFailed(f"{field}: list at least one, or leave it out for all", field=field)
    by_name = {profile.name: profile for profile in available}
    unknown = [name for name in chosen if name not in by_name]
    if unknown:
        raise ValidationFailed(
            f"{field}: {', '.join(repr(name) for name in unknown)} is not {known_as}; "
            f"choose from {', '.join(by_name)}",
            field=field,
        )
    wanted = set(chosen)
    return [profile for profile in available if profile.name in wanted]
