"""The role-by-endpoint permission matrix (issue 2, "authorization in one place"): every
caller against every API route in scope, each pair one test on the scenario as built
(once per module and database; each test in a savepoint rolled back after it, on a copy of
its files: tests/api/worlds.py).

The expectations follow design §2 and the role → permission table: 401 without valid
credentials, 404 for what the caller cannot see (no existence leak), 403 for what they can
see but may not do, else the route's success status. A refusal is problem+json with the
matching code and changes nothing (no row, no audit event, no file); a read changes
nothing either; a change that succeeds records its audit event."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.api import calls, state
from tests.api.calls import Endpoint
from tests.api.routes import in_scope_routes
from tests.api.scenario import CALLERS, Scenario
from tests.api.worlds import Case, World

REFUSAL_CODES = {401: "unauthenticated", 403: "permission_denied", 404: "not_found"}


@dataclass(frozen=True)
class Row:
    endpoint: Endpoint
    expected: dict[str, int]  # caller → status


def row(endpoint: Endpoint, *statuses: int) -> Row:
    """One line of the table below: the statuses in the order of its column heads."""
    assert len(statuses) == len(CALLERS), endpoint.name
    return Row(endpoint, dict(zip(CALLERS, statuses, strict=True)))


c = calls
# Columns: anonymous, invalid token, outsider, owner, master, developer (assigned to the
# mini program), other developer (not assigned to it), blocked master, platform admin,
# platform reviewer, partner reviewer (of the scenario's partner app).
# fmt: off
MATRIX = [
    #                              anon  bad  out  own  mas  dev  odv  blk  adm  prv  ptr
    row(c.CREATE_USER,              401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 403),
    row(c.ME,                       401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    row(c.LIST_TOKENS,              401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    row(c.CREATE_TOKEN,             401, 401, 201, 201, 201, 201, 201, 201, 201, 201, 201),
    row(c.REVOKE_TOKEN,             401, 401, 404, 200, 404, 404, 404, 404, 404, 404, 404),

    row(c.LIST_WORKSPACES,          401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    row(c.CREATE_WORKSPACE,         401, 401, 201, 201, 201, 201, 201, 201, 201, 201, 201),
    row(c.GET_WORKSPACE,            401, 401, 404, 200, 200, 200, 200, 404, 200, 404, 404),
    row(c.INVITE_DEVELOPER,         401, 401, 404, 201, 201, 403, 403, 404, 403, 404, 404),
    row(c.INVITE_MASTER,            401, 401, 404, 201, 403, 403, 403, 404, 403, 404, 404),
    row(c.LIST_INVITATIONS,         401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.REVOKE_DEVELOPER_INVITATION,
                                    401, 401, 404, 204, 204, 403, 403, 404, 403, 404, 404),
    row(c.REVOKE_MASTER_INVITATION, 401, 401, 404, 204, 403, 403, 403, 404, 403, 404, 404),
    # For another email: only the invitee may accept; signed out, it creates their account.
    row(c.ACCEPT_INVITATION,        200, 401, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    row(c.LIST_MEMBERS,             401, 401, 404, 200, 200, 200, 200, 404, 403, 404, 404),
    row(c.CHANGE_DEVELOPER,         401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.CHANGE_MASTER,            401, 401, 404, 200, 403, 403, 403, 404, 403, 404, 404),
    row(c.BLOCK_OWNER,              401, 401, 404, 200, 403, 403, 403, 404, 403, 404, 404),
    # Removing oneself is leaving: the other developer and the master may.
    row(c.REMOVE_DEVELOPER,         401, 401, 404, 204, 204, 403, 204, 404, 403, 404, 404),
    row(c.REMOVE_MASTER,            401, 401, 404, 204, 204, 403, 403, 404, 403, 404, 404),
    row(c.REMOVE_OWNER,             401, 401, 404, 204, 403, 403, 403, 404, 403, 404, 404),

    row(c.LIST_PARTNER_APPS,        401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    row(c.CREATE_PARTNER_APP,       401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 403),
    row(c.GET_PARTNER_APP,          401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    row(c.UPDATE_PARTNER_APP,       401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 403),
    row(c.ADD_PARTNER_REVIEWER,     401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 403),
    row(c.LIST_PARTNER_REVIEWERS,   401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 200),
    row(c.REMOVE_PARTNER_REVIEWER,  401, 401, 403, 403, 403, 403, 403, 403, 204, 403, 403),
    # The partner app's own reviewers manage its keys; the catalog is public, so 403.
    row(c.CREATE_PARTNER_KEY,       401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 201),
    row(c.LIST_PARTNER_KEYS,        401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 200),
    row(c.REVOKE_PARTNER_KEY,       401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 200),
    row(c.LIST_PLATFORM_REVIEWERS,  401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 403),
    row(c.ADD_PLATFORM_REVIEWER,    401, 401, 403, 403, 403, 403, 403, 403, 201, 403, 403),
    row(c.REMOVE_PLATFORM_REVIEWER, 401, 401, 403, 403, 403, 403, 403, 403, 204, 403, 403),

    row(c.CREATE_MINI_PROGRAM,      401, 401, 404, 201, 201, 403, 403, 404, 403, 404, 404),
    row(c.LIST_MINI_PROGRAMS,       401, 401, 404, 200, 200, 200, 200, 404, 200, 404, 404),
    row(c.GET_MINI_PROGRAM,         401, 401, 404, 200, 200, 200, 404, 404, 200, 404, 404),
    row(c.UPDATE_MINI_PROGRAM,      401, 401, 404, 200, 200, 200, 404, 404, 403, 404, 404),
    row(c.DELETE_MINI_PROGRAM,      401, 401, 404, 204, 403, 403, 404, 404, 403, 404, 404),
    row(c.SET_ICON,                 401, 401, 404, 200, 200, 200, 404, 404, 403, 404, 404),
    row(c.GET_ICON,                 401, 401, 404, 200, 200, 200, 404, 404, 200, 404, 404),
    row(c.UPLOAD_VERSION,           401, 401, 404, 201, 201, 201, 404, 404, 403, 404, 404),
    row(c.LIST_VERSIONS,            401, 401, 404, 200, 200, 200, 404, 404, 200, 404, 404),
    row(c.GET_VERSION,              401, 401, 404, 200, 200, 200, 404, 404, 200, 404, 404),
    row(c.DOWNLOAD_PACKAGE,         401, 401, 404, 200, 200, 200, 404, 404, 200, 404, 404),
    # Reviewers may read the online release (it reached them), so they get its promo code.
    row(c.CREATE_QRCODE,            401, 401, 404, 200, 200, 200, 404, 404, 200, 200, 200),

    row(c.WORKSPACE_AUDIT,          401, 401, 404, 200, 200, 403, 403, 404, 200, 404, 404),
    row(c.MINI_PROGRAM_AUDIT,       401, 401, 404, 200, 200, 403, 404, 404, 200, 404, 404),
    row(c.WHOLE_AUDIT,              401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 403),

    row(c.LIST_COMPAT_PROFILES,     401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    row(c.PUT_COMPAT_PROFILE,       401, 401, 403, 403, 403, 403, 403, 403, 200, 403, 403),
    # Owners and masters manage webhooks; a developer or a platform admin sees the
    # workspace (403), the others do not (404).
    row(c.CREATE_WEBHOOK,           401, 401, 404, 201, 201, 403, 403, 404, 403, 404, 404),
    row(c.LIST_WEBHOOKS,            401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.GET_WEBHOOK,              401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.UPDATE_WEBHOOK,           401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.DELETE_WEBHOOK,           401, 401, 404, 204, 204, 403, 403, 404, 403, 404, 404),
    row(c.ROTATE_WEBHOOK_SECRET,    401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.PING_WEBHOOK,             401, 401, 404, 202, 202, 403, 403, 404, 403, 404, 404),
    row(c.LIST_DELIVERIES,          401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.GET_DELIVERY,             401, 401, 404, 200, 200, 403, 403, 404, 403, 404, 404),
    row(c.REDELIVER,                401, 401, 404, 202, 202, 403, 403, 404, 403, 404, 404),
]
# fmt: on

CASES = [
    pytest.param(r.endpoint, caller, status, id=f"{r.endpoint.name} as {caller}")
    for r in MATRIX
    for caller, status in r.expected.items()
]


def test_every_route_in_scope_has_a_row() -> None:
    covered = {r.endpoint.route for r in MATRIX}
    in_scope = in_scope_routes()
    assert in_scope - covered == set(), "routes without a row in the permission matrix"
    assert covered - in_scope == set(), "rows for routes the application does not serve"


def test_every_row_allows_someone_and_refuses_someone() -> None:
    for r in MATRIX:
        statuses = set(r.expected.values())
        assert statuses - set(REFUSAL_CODES), r.endpoint.name
        assert statuses & set(REFUSAL_CODES), r.endpoint.name


@pytest.fixture(scope="module")
def pristine(scenario_world: World[Scenario]) -> tuple[dict[str, list[str]], int]:
    """The rows and the audit event count every case starts from: the world's, as built
    (each case runs in a savepoint rolled back after it)."""
    built = scenario_world
    return state.rows_of(built.session_factory), state.audit_event_count(built.session_factory)


@pytest.mark.parametrize(("endpoint", "caller", "expected"), CASES)
def test_permission(
    endpoint: Endpoint,
    caller: str,
    expected: int,
    scenario_world: World[Scenario],
    pristine: tuple[dict[str, list[str]], int],
    scenario_case: Case,
    case_client: TestClient,
) -> None:
    scenario = scenario_world.built
    session_factory, settings = scenario_case.session_factory, scenario_case.settings
    rows_before, events_before = pristine
    # The files as the case starts: the world's, and what serving it opened (on SQLite,
    # the rate-limit counters' database and its journal).
    before = state.State(rows_before, state.files_of(settings))

    response = endpoint.send(case_client, endpoint.build(scenario), scenario.headers(caller))

    assert response.status_code == expected, response.text
    if expected in REFUSAL_CODES:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == REFUSAL_CODES[expected]
        assert state.audit_event_count(session_factory) == events_before
        assert state.capture(session_factory, settings) == before
    elif endpoint.method == "GET":
        assert state.capture(session_factory, settings) == before
    else:
        assert state.audit_event_count(session_factory) > events_before
