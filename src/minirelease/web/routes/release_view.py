"""What the release page shows, gathered once for the page and for each of its fragments:
the release with its mini program, partner app and the viewer's roles, the step bar, the
build, the configuration form, the compatibility section and the Apply section.

Which buttons appear is the state machine's answer for the status and the viewer's
permissions (releases/allowed.requestable, by endpoint name; guards aside, as the page
says why a guard refuses); nothing here decides a rule of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from minirelease.authz import Permission, Principal, Role, granted
from minirelease.build.config import BuildConfiguration
from minirelease.miniprograms.models import MiniProgram
from minirelease.miniprograms.rules import CATEGORIES
from minirelease.partners.models import PartnerApp
from minirelease.releases import preview
from minirelease.releases.access import load_release
from minirelease.releases.allowed import ENDPOINTS, requestable
from minirelease.releases.models import Release
from minirelease.releases.state import Action, Status
from minirelease.web.routes.compat_view import compat_context
from minirelease.web.routes.release_steps import steps_for
from minirelease.web.routes.rollout import rollout_context
from minirelease.workspaces.models import Workspace

# Build statuses still moving (the model's queued|running; shown as "building").
BUILD_UNDER_WAY = frozenset({"queued", "running"})
BUILD_LABELS = {"running": "building"}

# What a redirect after an action says on the page (``?done=<key>``): fixed texts only.
NOTICES = {
    "configuration": "Configuration saved: the package is being rebuilt.",
    "unchanged": "The configuration is unchanged: nothing was rebuilt.",
    "test": "Compatibility test started.",
    "applied": "Applied to release: the request is now under review.",
    "withdrawn": "The release request was withdrawn.",
}


@dataclass
class FormState:
    """A form re-rendered after a refusal: what was sent and each field's error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refused: str | None = None


@dataclass(frozen=True)
class Loaded:
    release: Release
    mini_program: MiniProgram
    partner: PartnerApp
    roles: set[Role]
    manages: bool  # the viewer is of the team that takes the release through its steps
    can: frozenset[str]  # the endpoints this viewer may call now (allowed.py's names)


def load(session: Session, viewer: Principal, release_id: str) -> Loaded:
    release, mp, roles = load_release(session, viewer, release_id)
    partner = session.get(PartnerApp, release.partner_app_id)
    assert partner is not None
    manages = Permission.RELEASE_MANAGE in granted(roles)
    can = frozenset(requestable(Status(release.status), granted(roles)))
    return Loaded(release, mp, partner, roles, manages, can)


def build_context(loaded: Loaded) -> dict[str, Any]:
    release = loaded.release
    return {
        "release": release,
        "build": {
            "number": release.build_number,
            "status": BUILD_LABELS.get(release.build_status, release.build_status),
            "finished": release.build_status not in BUILD_UNDER_WAY,
            "size": release.build_size,
            "sha256": release.build_sha256,
            "log": [str(line) for line in release.build_log],
        },
    }


def configuration_context(loaded: Loaded, form: FormState | None = None) -> dict[str, Any]:
    current = BuildConfiguration.from_dict(loaded.release.configuration).to_dict()
    form = form or FormState()
    return {
        "configuration": {
            "values": {**current, **form.values},
            "errors": form.errors,
            "editable": ENDPOINTS[Action.CONFIGURE] in loaded.can,
            "next_build": loaded.release.build_number + 1,
        }
    }


def apply_context(
    session: Session,
    loaded: Loaded,
    flagged_domains: list[Mapping[str, Any]],
    form: FormState | None = None,
    domains_called: list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    release, mp = loaded.release, loaded.mini_program
    form = form or FormState()
    can_apply = ENDPOINTS[Action.APPLY] in loaded.can
    refusal = None
    if can_apply:
        refused = preview.refusal_for(session, release, Action.APPLY)
        refusal = refused.detail if refused is not None else None
    basic = {"name": mp.name, "description": mp.description, "category": mp.category}
    return {
        "apply": {
            "can_apply": can_apply,
            "can_withdraw": ENDPOINTS[Action.WITHDRAW] in loaded.can,
            "refusal": refusal,
            "values": {**basic, **form.values},
            "errors": form.errors,
            "categories": CATEGORIES,
            "icon_sha256": mp.icon_sha256,
            "server_domains": list(mp.server_domains),
            "h5_domains": list(mp.h5_domains),
            "flagged_domains": flagged_domains,
            "domains_called": domains_called,
            # What the reviewers were sent, once applied.
            "submitted": release.basic_info,
            "submitted_server_domains": release.server_domains or [],
            "submitted_h5_domains": release.h5_domains or [],
        }
    }


def crumbs(session: Session, loaded: Loaded) -> list[tuple[str, str | None]]:
    """Home, workspace, mini program, release; the workspace and the mini program's page
    only for who may open them (reviewers see the release alone)."""
    mp, release = loaded.mini_program, loaded.release
    here = (f"{release.version} → {loaded.partner.name}", None)
    if Permission.MINI_PROGRAM_READ not in granted(loaded.roles):
        return [("Home", "/"), (mp.name, None), here]
    workspace = session.get(Workspace, mp.workspace_id)
    name = workspace.name if workspace is not None else "Workspace"
    return [
        ("Home", "/"),
        (name, f"/workspaces/{mp.workspace_id}"),
        (mp.name, f"/mini-programs/{mp.id}"),
        here,
    ]


def page_context(
    session: Session,
    viewer: Principal,
    release_id: str,
    *,
    notice: str | None = None,
    configuration_form: FormState | None = None,
    apply_form: FormState | None = None,
) -> dict[str, Any]:
    loaded = load(session, viewer, release_id)
    release = loaded.release
    compat = compat_context(session, release, loaded.can)
    return {
        "release": release,
        "mini_program": loaded.mini_program,
        "partner": loaded.partner,
        "crumbs": crumbs(session, loaded),
        "steps": steps_for(release.status),
        "can": loaded.can,
        "manages": loaded.manages,
        "notice": notice,
        # An action refused just now, said at the top of the page.
        "alert": apply_form.refused if apply_form is not None else None,
        **build_context(loaded),
        **configuration_context(loaded, configuration_form),
        **compat,
        **apply_context(
            session,
            loaded,
            compat["compat"]["flagged_domains"],
            apply_form,
            domains_called=compat["compat"]["domains_called"],
        ),
        **rollout_context(session, viewer, release),
    }
