"""The network a smoke run answers ``my.request`` and its kin with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from minirelease.compat.profiles import NetworkProfile


@dataclass(frozen=True)
class Network:
    name: str
    bandwidth_kbps: float
    rtt_ms: float
    loss: float  # share of calls lost, 0..1
    offline: bool

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any]) -> Network:
        """A network profile ``{name, bandwidth_kbps, rtt_ms, loss, offline}``; a missing
        or mistyped field raises ``ValueError`` naming it."""
        try:
            network = cls(
                name=str(profile["name"]),
                bandwidth_kbps=float(profile["bandwidth_kbps"]),
                rtt_ms=float(profile["rtt_ms"]),
                loss=float(profile["loss"]),
                offline=bool(profile["offline"]),
            )
        except KeyError as missing:
            raise ValueError(f"network profile has no {missing.args[0]!r}") from None
        except (TypeError, ValueError) as error:
            raise ValueError(f"network profile {dict(profile)!r} is invalid: {error}") from None
        if network.bandwidth_kbps <= 0 or network.rtt_ms < 0 or not 0 <= network.loss <= 1:
            raise ValueError(f"network profile {network.name!r} has out-of-range values")
        return network

    @classmethod
    def of(cls, profile: NetworkProfile) -> Network:
        """A cell's network profile; its packet loss stands for the share of calls lost."""
        return cls(
            name=profile.name,
            bandwidth_kbps=float(profile.bandwidth_kbps),
            rtt_ms=float(profile.rtt_ms),
            loss=profile.loss,
            offline=profile.offline,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Network:
        """Back from ``as_json`` (a network already made, so its values are not judged)."""
        return cls(
            name=str(data["name"]),
            bandwidth_kbps=float(data["bandwidth_kbps"]),
            rtt_ms=float(data["rtt_ms"]),
            loss=float(data["loss"]),
            offline=bool(data["offline"]),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bandwidth_kbps": self.bandwidth_kbps,
            "rtt_ms": self.rtt_ms,
            "loss": self.loss,
            "offline": self.offline,
        }


# The working network an offline cell is compared with to tell offline crashes apart.
REFERENCE_NETWORK: Final = Network(
    "wifi", bandwidth_kbps=30_000, rtt_ms=40, loss=0.0, offline=False
)
