"""The one pagination helper every list uses: opaque cursors that are only ever read back
as the sort key they hold, keyset pages that walk a list exactly once, ties in the leading
keys included, and a refusal (422 over HTTP) for anything that is not a cursor of the list."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minirelease.authz import Principal
from minirelease.errors import ValidationFailed
from minirelease.pagination import (
    MAX_LIMIT,
    Page,
    PageRequest,
    ascending,
    decode_cursor,
    descending,
    encode_cursor,
    paginate,
    paginate_sequence,
)
from minirelease.workspaces import members
from minirelease.workspaces import service as workspaces
from minirelease.workspaces.models import Workspace
from tests.factories import Factory

MOMENT = dt.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)


def _cursor_of(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _walk(fetch: Any, limit: int) -> tuple[list[Any], int]:
    """Every item of a list, page by page, and how many pages it took."""
    seen: list[Any] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = fetch(PageRequest(cursor=cursor, limit=limit))
        assert len(page) <= limit
        seen += list(page)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return seen, pages


def test_a_cursor_holds_the_sort_key_and_reads_back_typed() -> None:
    order = [descending(Workspace.created_at), ascending(Workspace.id), ascending(Workspace.name)]
    cursor = encode_cursor((MOMENT, "ws_1", "Acme"))
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, order) == [MOMENT, "ws_1", "Acme"]


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        "%%%",
        "ü😀",
        "x" * 5000,
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        _cursor_of("not a list"),
        _cursor_of({"at": 1}),
        _cursor_of([]),  # too few values
        _cursor_of(["2031-05-06T07:08:09+00:00", "ws_1", "Acme", "more"]),  # too many
        _cursor_of([1, "ws_1", "Acme"]),  # a number where a time goes
        _cursor_of(["yesterday", "ws_1", "Acme"]),
        _cursor_of(["2031-05-06T07:08:09", "ws_1", "Acme"]),  # a time without its zone
        _cursor_of(["2031-05-06T07:08:09+00:00", 7, "Acme"]),
        _cursor_of(["2031-05-06T07:08:09+00:00", True, "Acme"]),
        _cursor_of(["2031-05-06T07:08:09+00:00", None, "Acme"]),
        _cursor_of(["2031-05-06T07:08:09+00:00", ["ws_1"], "Acme"]),
        _cursor_of(["2031-05-06T07:08:09+00:00", "nul\x00", "Acme"]),
        _cursor_of(["2031-05-06T07:08:09+00:00", 10**30, "Acme"]),
        _cursor_of(["2031-05-06T07:08:09+00:00", 1.5, "Acme"]),
    ],
)
def test_anything_but_a_cursor_of_the_list_is_refused(cursor: str) -> None:
    order = [descending(Workspace.created_at), ascending(Workspace.id), ascending(Workspace.name)]
    with pytest.raises(ValidationFailed, match="cursor"):
        decode_cursor(cursor, order)


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, True])
def test_the_limit_is_bounded(limit: int) -> None:
    with pytest.raises(ValidationFailed, match="limit"):
        PageRequest(limit=limit)


def test_a_page_is_the_list_of_its_items() -> None:
    page = Page(["a", "b"], "next")
    assert page == ["a", "b"] and page.items == ["a", "b"] and page.next_cursor == "next"
    assert page.map(str.upper) == ["A", "B"] and page.map(str.upper).next_cursor == "next"
    assert not Page([]) and Page([]).next_cursor is None


def test_a_list_in_memory_pages_by_identity() -> None:
    items = [("os", "b"), ("os", "a"), ("network", "wifi"), ("device", "low"), ("device", "mid")]
    seen, pages = _walk(lambda page: paginate_sequence(items, lambda i: i, page), 2)
    assert seen == items and pages == 3
    assert paginate_sequence(items, lambda i: i, None) == items
    assert paginate_sequence(items, lambda i: i, PageRequest(limit=5)).next_cursor is None
    with pytest.raises(ValidationFailed):
        paginate_sequence(items, lambda i: i, PageRequest(cursor=encode_cursor(("os", "z"))))


def test_ties_in_the_leading_key_are_walked_once_both_ways(
    session: Session, factory: Factory
) -> None:
    owner = factory.user()
    ids = []
    with factory.session_factory() as writing:
        for n in range(7):
            workspace = Workspace(id=f"ws_tie_{n}", name=f"Tie {n}", created_by=owner.id)
            workspace.created_at = MOMENT if n % 2 else MOMENT + dt.timedelta(seconds=n)
            writing.add(workspace)
            ids.append(workspace.id)
        writing.commit()
    query = select(Workspace).where(Workspace.id.in_(ids))
    for order in (
        [ascending(Workspace.created_at), ascending(Workspace.id)],
        [descending(Workspace.created_at), ascending(Workspace.id)],
        [descending(Workspace.created_at), descending(Workspace.id)],
    ):
        everything = paginate(session, query, order, None)
        assert everything.next_cursor is None and len(everything) == 7
        for limit in (1, 2, 3, 7, 8):
            seen, pages = _walk(lambda page, o=order: paginate(session, query, o, page), limit)
            assert [w.id for w in seen] == [w.id for w in everything], (order, limit)
            assert pages == max(1, -(-7 // limit))


def test_a_service_list_pages_with_a_computed_key(session: Session, factory: Factory) -> None:
    """Members: by role (a CASE expression), then email, across pages."""
    workspace, owner = factory.workspace()
    for role in ("developer", "master", "developer", "owner", "master", "developer"):
        factory.member(workspace, role)
    caller = Principal(user_id=owner.id, email=owner.email)
    everything = members.list_members(session, caller, workspace_id=workspace.id)
    assert [m.role for m in everything] == ["owner"] * 2 + ["master"] * 2 + ["developer"] * 3
    seen, _ = _walk(
        lambda page: members.list_members(session, caller, workspace_id=workspace.id, page=page),
        2,
    )
    assert seen == list(everything)


def test_a_row_added_between_pages_neither_repeats_nor_hides_the_others(
    session: Session, factory: Factory
) -> None:
    owner = factory.user()
    caller = Principal(user_id=owner.id, email=owner.email)
    made = [factory.workspace(owner, name=f"W{n}")[0].id for n in range(4)]
    first = workspaces.list_workspaces(session, caller, page=PageRequest(limit=2))
    factory.workspace(owner, name="Late")
    rest = workspaces.list_workspaces(
        session, caller, page=PageRequest(cursor=first.next_cursor, limit=10)
    )
    listed = [w.id for w in first] + [w.id for w in rest]
    assert listed[:4] == made and len(listed) == 5 == len(set(listed))
