"""The manifest's fields once its signature checks out: what is refused and why, the
partner app it is for, and the serial that only goes up."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from minirelease.resolver import ManifestInvalid, StaleManifest, load_manifest
from minirelease.resolver.decide import tester_digest as digest  # not a test: rename
from minirelease.resolver.manifest import parse_manifest
from tests.resolver import signed

SIGNER = signed.new_signer()
KEY = SIGNER.public_key_raw_b64()
APP = "2021000000000001"


def _data(serial: int = 10) -> dict[str, Any]:
    return signed.manifest(
        {
            APP: signed.entry(
                signed.package("rel_a1"),
                signed.candidate("rel_a2", basis_points=1234, halted=True, testers=["qa"]),
            ),
            "2021000000000002": signed.entry(removed=True),
        },
        serial=serial,
    )


def test_fields_are_read() -> None:
    manifest = load_manifest(signed.body(_data(), SIGNER), KEY)
    entry = manifest.mini_programs[APP]
    assert entry.removed is False
    assert entry.online is not None and entry.online.release_id == "rel_a1"
    assert entry.online.url == f"/api/v1/packages/{entry.online.sha256}"
    candidate = entry.candidate
    assert candidate is not None
    assert (candidate.state, candidate.basis_points, candidate.halted) == ("grayscale", 1234, True)
    assert candidate.package.version == "1.1.0"
    assert candidate.testers == {digest("rel_a2", "qa")}
    assert manifest.mini_programs["2021000000000002"].removed is True


def test_another_partner_apps_manifest_is_refused() -> None:
    body = signed.body(_data(), SIGNER)
    assert load_manifest(body, KEY, partner_app="wallet").partner_app == "wallet"
    with pytest.raises(ManifestInvalid, match="for partner app 'wallet', not 'other'"):
        load_manifest(body, KEY, partner_app="other")


def test_an_older_serial_is_refused_the_same_or_newer_taken() -> None:
    body = signed.body(_data(serial=10), SIGNER)
    for accepted in (None, 0, 9, 10):
        assert load_manifest(body, KEY, min_serial=accepted).serial == 10
    with pytest.raises(StaleManifest, match="serial 10 is older than the accepted 11"):
        load_manifest(body, KEY, min_serial=11)


def test_unknown_fields_are_ignored() -> None:
    data = _data()
    data["expires"] = 123
    data["mini_programs"][APP]["note"] = "x"
    data["mini_programs"][APP]["online"]["mirror"] = "https://cdn"
    assert load_manifest(signed.body(data, SIGNER), KEY).serial == 10


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    *parents, last = path.split(".")
    holder = changed
    for step in parents:
        holder = holder[step]
    if value is _DELETE:
        del holder[last]
    else:
        holder[last] = value
    return changed


_DELETE = object()
_A = f"mini_programs.{APP}"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("format", 2, "unsupported manifest format 2"),
        ("format", True, "unsupported manifest format True"),
        ("format", _DELETE, "unsupported manifest format None"),
        ("partner_app", 1, "partner_app must be a str, got int"),
        ("serial", "10", "serial must be a int, got str"),
        ("serial", True, "serial must be a int, got bool"),
        ("serial", -1, "serial must be at least 0"),
        ("mini_programs", [], "mini_programs must be a dict, got list"),
        (_A, [], "must be an object"),
        (f"{_A}.removed", 0, "removed must be a bool, got int"),
        (f"{_A}.removed", _DELETE, "removed must be a bool, got null"),
        (f"{_A}.online", "p", "online must be an object or null"),
        (f"{_A}.online.sha256", "A" * 64, "64 lowercase hex"),
        (f"{_A}.online.size", -1, "size must be at least 0"),
        (f"{_A}.online.version", None, "version must be a str"),
        (f"{_A}.online.url", _DELETE, "url must be a str"),
        (f"{_A}.candidate.state", "approved", "pilot or grayscale, not 'approved'"),
        (f"{_A}.candidate.basis_points", 10_001, "at most 10000"),
        (f"{_A}.candidate.basis_points", -5, "at least 0"),
        (f"{_A}.candidate.halted", "false", "halted must be a bool"),
        (f"{_A}.candidate.testers", "qa", "testers must be a list"),
        (f"{_A}.candidate.testers", ["qa"], "hex SHA-256"),
        (f"{_A}.candidate.tester_salt", None, "tester_salt must be a str"),
    ],
)
def test_malformed_fields_are_refused(path: str, value: Any, message: str) -> None:
    data = _set(_data(), path, value)
    with pytest.raises(ManifestInvalid, match=message.replace("(", r"\(")):
        parse_manifest(data)
    # Signed or not, a malformed manifest is refused after its signature checks out.
    with pytest.raises(ManifestInvalid):
        load_manifest(signed.body(data, SIGNER), KEY)
