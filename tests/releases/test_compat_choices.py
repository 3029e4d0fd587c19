"""What Test Compatibility may be narrowed to, how a run was narrowed (for Retest), and
whether an action would be refused now (releases/preview.py), as the console asks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from minirelease.accounts.models import User
from minirelease.accounts.service import principal_for
from minirelease.authz import Principal
from minirelease.errors import NotFound, ValidationFailed
from minirelease.ids import new_id
from minirelease.partners.defaults import shipped_profile
from minirelease.releases import preview
from minirelease.releases.compat_choices import (
    MatrixChoices,
    Narrowing,
    latest_run,
    matrix_choices,
    narrowing_of,
)
from minirelease.releases.models import CompatibilityRun, Release
from minirelease.releases.state import COMPAT_RUN_MISSING, COMPAT_RUN_NARROWED, Action
from tests.factories import Actor, Factory
from tests.releases.rows import ReleaseRows

WHOLE = MatrixChoices(
    os=("android-13", "android-14", "ios-17"),
    networks=("wifi", "4g", "offline"),
    devices=("low", "mid"),
)


def _principal(session: Session, actor: Actor) -> Principal:
    user = session.get(User, actor.id)
    assert user is not None
    return principal_for(session, user)


def _run(matrix: dict[str, Any], **fields: Any) -> CompatibilityRun:
    values: dict[str, Any] = {
        "id": new_id("run"),
        "release_id": "rel_x",
        "build_number": 1,
        "build_sha256": "",
        "status": "finished",
        "matrix": matrix,
        "created_by": "usr_x",
    }
    return CompatibilityRun(**{**values, **fields})


def _matrix(os_versions: dict[str, list[str]], networks: list[str], devices: list[str]) -> Any:
    return {"os_versions": os_versions, "networks": networks, "devices": devices}


def test_a_run_over_the_whole_matrix_is_not_narrowed() -> None:
    run = _run({**_matrix({"android": ["14"]}, ["wifi"], ["low"]), "scope": "full"})
    assert narrowing_of(run, WHOLE) == Narrowing() and narrowing_of(run).whole
    assert Narrowing().as_arguments() == {"os": None, "networks": None, "devices": None}


def test_a_narrowed_run_gives_its_names_where_it_left_some_out() -> None:
    matrix = _matrix({"android": ["14"], "ios": ["17"]}, ["wifi", "4g", "offline"], ["mid"])
    run = _run({**matrix, "scope": "narrowed"})
    narrowing = narrowing_of(run, WHOLE)
    # Networks were all taken: a retest takes all of them, what was added since too.
    assert narrowing == Narrowing(os=("android-14", "ios-17"), devices=("mid",))
    assert not narrowing.whole
    assert narrowing.as_arguments() == {
        "os": ["android-14", "ios-17"],
        "networks": None,
        "devices": ["mid"],
    }
    # Without the matrix of now, every dimension is given as the run took it.
    assert narrowing_of(run).networks == ("wifi", "4g", "offline")


def test_a_run_from_before_scopes_were_recorded_is_compared_with_the_matrix() -> None:
    every = _matrix({"android": ["13", "14"], "ios": ["17"]}, list(WHOLE.networks), ["low", "mid"])
    assert narrowing_of(_run(every), WHOLE).whole
    some = _matrix({"android": ["13"]}, list(WHOLE.networks), ["low", "mid"])
    assert narrowing_of(_run(some), WHOLE) == Narrowing(os=("android-13",))


def test_the_choices_are_the_partner_app_s_matrix_for_who_sees_the_release(
    factory: Factory, session: Session, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    partner = factory.partner_app(capability_profile=shipped_profile("wallet"))
    release = ReleaseRows(session_factory).release(mp, partner, "1.0.0", "awaiting_test")
    choices = matrix_choices(session, _principal(session, owner), release_id=release.id)
    assert choices.os[0] == "android-8" and choices.os[-1] == "ios-17"
    assert choices.networks == ("wifi", "4g", "3g", "2g", "offline")
    assert choices.devices == ("low", "mid", "high") and choices.cells == 180
    assert latest_run(session, _principal(session, owner), release_id=release.id) is None
    with pytest.raises(NotFound):
        matrix_choices(session, _principal(session, factory.user()), release_id=release.id)

    unknown_os = factory.partner_app(
        capability_profile={**shipped_profile("wallet"), "os_versions": {"android": ["1"]}}
    )
    other = ReleaseRows(session_factory).release(mp, unknown_os, "1.0.0", "awaiting_test")
    with pytest.raises(ValidationFailed, match="android-1 has no OS profile"):
        matrix_choices(session, _principal(session, owner), release_id=other.id)


def test_preview_tells_why_apply_would_be_refused_without_taking_it(
    factory: Factory, session: Session, session_factory: sessionmaker[Any]
) -> None:
    ws, owner = factory.workspace()
    mp = factory.mini_program(ws, owner)
    partner = factory.partner_app()
    release = ReleaseRows(session_factory).release(mp, partner, "1.0.0", "tested", build_number=1)
    principal = _principal(session, owner)
    refused = preview.refusal(session, principal, release_id=release.id, action=Action.APPLY)
    assert refused is not None and refused.reason == COMPAT_RUN_MISSING

    with session_factory() as writer:
        writer.add(_run({"scope": "narrowed"}, release_id=release.id, created_by=owner.id))
        writer.commit()
    refused = preview.refusal(session, principal, release_id=release.id, action=Action.APPLY)
    assert refused is not None and refused.reason == COMPAT_RUN_NARROWED
    latest = latest_run(session, principal, release_id=release.id)
    assert latest is not None and latest.matrix == {"scope": "narrowed"}

    with session_factory() as writer:
        writer.add(_run({"scope": "full"}, release_id=release.id, created_by=owner.id))
        writer.commit()
    assert preview.refusal(session, principal, release_id=release.id, action=Action.APPLY) is None
    refused = preview.refusal(session, principal, release_id=release.id, action=Action.WITHDRAW)
    assert refused is not None and refused.state == "tested"
    assert session.get(Release, release.id).status == "tested"  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        preview.refusal(
            session, _principal(session, factory.user()), release_id=release.id, action=Action.APPLY
        )
