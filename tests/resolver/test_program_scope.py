"""A manifest scoped to one mini program (issue 15, item 3): taken only by a caller that
expects exactly that program, who takes neither another program's nor a partner app's
whole manifest; and it lists its program alone."""

from __future__ import annotations

from typing import Any

import pytest

from minirelease.resolver import ManifestInvalid, NotReleased, Resolver, load_manifest
from tests.resolver.signed import body, entry, manifest, new_signer, package

APP, OTHER = "2021000000000001", "2021000000000002"
SIGNER = new_signer()
KEY = SIGNER.public_key_raw_b64()


def _scoped(app_id: str = APP, **programs: Any) -> bytes:
    listed = programs or {app_id: entry(package("rel_1"))}
    return body(manifest(listed) | {"mini_program": app_id}, SIGNER)


def test_the_programs_own_manifest_loads_for_it_and_answers_for_it_alone() -> None:
    resolver = Resolver.from_envelope(_scoped(), KEY, partner_app="wallet", app_id=APP)
    assert resolver.manifest.mini_program == APP
    assert resolver.resolve(APP, "u1").release_id == "rel_1"
    with pytest.raises(NotReleased):
        resolver.resolve(OTHER, "u1")


@pytest.mark.parametrize(
    ("served", "app_id", "refusal"),
    [
        (_scoped(), OTHER, "for mini program"),
        (_scoped(), None, "load it with app_id"),
        (body(manifest({APP: entry(package("rel_1"))}), SIGNER), APP, "whole partner app"),
    ],
    ids=["another program", "expected a whole manifest", "a whole manifest"],
)
def test_a_manifest_of_another_scope_is_refused(
    served: bytes, app_id: str | None, refusal: str
) -> None:
    with pytest.raises(ManifestInvalid, match=refusal):
        load_manifest(served, KEY, app_id=app_id)


def test_a_scoped_manifest_lists_its_program_alone() -> None:
    two = {APP: entry(package("rel_1")), OTHER: entry(package("rel_2"))}
    for listed in (two, {OTHER: entry(package("rel_2"))}):
        with pytest.raises(ManifestInvalid, match="must list it alone"):
            load_manifest(_scoped(**listed), KEY, app_id=APP)
    for scope in (None, 7):
        served = body(manifest({APP: entry()}) | {"mini_program": scope}, SIGNER)
        with pytest.raises(ManifestInvalid, match="mini_program"):
            load_manifest(served, KEY, app_id=APP)
