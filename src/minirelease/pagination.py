"""Cursor pagination, the same for every list (design §9, "every list has cursor
pagination").

A list is a query with a total order: sort keys ending in a unique one (an id). A page is
at most ``limit`` rows; its ``next_cursor`` is the sort key of its last row, encoded
(base64url of a JSON array) and opaque to clients, or None on the last page. The next page
is the rows strictly after that key (keyset pagination): no offset to count past, and a
row added or removed meanwhile neither repeats nor skips the others.

The domain hands out ``Page``s: lists of the page's items that also carry ``next_cursor``
(so a caller that wants the whole list, ``page=None``, uses one as the list it is). The
API renders them as ``{"items": [...], "next_cursor": ...}``. A cursor that this module did
not make for the list is ``ValidationFailed``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, or_
from sqlalchemy.orm import Session

from minirelease.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far above any cursor made here (a few sort key values), far below what would cost.
MAX_CURSOR_CHARS = 1024

T = TypeVar("T")
U = TypeVar("U")

BAD_CURSOR = "cursor: not a cursor of this list; pass the next_cursor of the page before"


@dataclass(frozen=True)
class PageRequest:
    """Which page: the first one (no cursor), or the one after ``cursor``."""

    cursor: str | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit: must be between 1 and {MAX_LIMIT}")


class Page(list[T]):
    """The items of one page, in order, and the cursor of the next page (None: last)."""

    def __init__(self, items: Iterable[T] = (), next_cursor: str | None = None) -> None:
        super().__init__(items)
        self.next_cursor = next_cursor

    @property
    def items(self) -> list[T]:
        return list(self)

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self], self.next_cursor)

    def __repr__(self) -> str:
        return f"Page({list(self)!r}, next_cursor={self.next_cursor!r})"


@dataclass(frozen=True)
class SortKey:
    """One column (or SQL expression) of a list's order. Its values must never be NULL,
    and the last key of an order must be unique."""

    expression: ColumnElement[Any]
    descending: bool = False

    def python_type(self) -> type:
        """What the cursor's value for this key must read back as: str, int or datetime."""
        sql_type = self.expression.type
        if isinstance(sql_type, TypeDecorator):  # UTCDateTime: its python_type is object
            sql_type = sql_type.impl_instance
        kind = sql_type.python_type
        if kind not in (str, int, dt.datetime):
            raise TypeError(f"cannot page by a {kind.__name__} key")
        return kind


def ascending(expression: Any) -> SortKey:
    return SortKey(expression)


def descending(expression: Any) -> SortKey:
    return SortKey(expression, descending=True)


def paginate(
    session: Session, query: Select[Any], order: Sequence[SortKey], page: PageRequest | None
) -> Page[Any]:
    """A page of ``query``, which selects one thing (an entity or a column): its rows as
    scalars. ``page=None`` is every row at once."""
    return paginate_rows(session, query, order, page).map(lambda row: row[0])


def paginate_rows(
    session: Session,
    query: Select[*tuple[Any, ...]],
    order: Sequence[SortKey],
    page: PageRequest | None,
) -> Page[tuple[Any, ...]]:
    """A page of ``query`` (its own ORDER BY is replaced by ``order``), each row as the
    tuple of what the query selects. ``page=None`` is every row at once."""
    if not order:
        raise ValueError("a paginated list needs an order")
    for key in order:  # a key no cursor could hold fails on the first page, not the second
        key.python_type()
    width = len(query.column_descriptions)
    query = query.order_by(None).order_by(
        *(key.expression.desc() if key.descending else key.expression.asc() for key in order)
    )
    if page is None:
        return Page([tuple(row) for row in session.execute(query)])
    if page.cursor is not None:
        query = query.where(_after(order, decode_cursor(page.cursor, order)))
    # The keys ride along, labelled so that one already selected is not folded into it.
    keyed = query.add_columns(
        *(key.expression.label(f"page_key_{i}") for i, key in enumerate(order))
    ).limit(page.limit + 1)
    rows = session.execute(keyed).all()
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [tuple(row[:width]) for row in rows]
    next_cursor = encode_cursor(tuple(rows[-1][width:])) if more else None
    return Page(items, next_cursor)


def paginate_sequence(
    items: Sequence[T], identity: Callable[[T], tuple[str, ...]], page: PageRequest | None
) -> Page[T]:
    """A page of a list held in memory, in its own order; ``identity`` is each item's
    unique key (strings), which the cursor holds. For the few lists not read by one query."""
    if page is None:
        return Page(list(items))
    start = 0
    if page.cursor is not None:
        last = tuple(decode_cursor_values(page.cursor))
        at = next((i for i, item in enumerate(items) if identity(item) == last), None)
        if at is None:
            raise ValidationFailed(BAD_CURSOR)
        start = at + 1
    chunk = list(items[start : start + page.limit])
    more = start + page.limit < len(items)
    return Page(chunk, encode_cursor(identity(chunk[-1])) if more and chunk else None)


def _after(order: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows after ``values`` in ``order``: (k1 beyond v1) or (k1 = v1 and k2 beyond v2) …"""
    alternatives = []
    for i, key in enumerate(order):
        equal = [order[j].expression == values[j] for j in range(i)]
        value = values[i]
        beyond = key.expression < value if key.descending else key.expression > value
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def encode_cursor(values: Sequence[Any]) -> str:
    encoded = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    text = json.dumps(encoded, separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor_values(cursor: str) -> list[Any]:
    """The JSON array a cursor holds, or ``ValidationFailed``."""
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise ValidationFailed(BAD_CURSOR)
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        values = json.loads(raw.decode())
    except (ValueError, UnicodeError, binascii.Error):
        raise ValidationFailed(BAD_CURSOR) from None
    if not isinstance(values, list):
        raise ValidationFailed(BAD_CURSOR)
    for value in values:
        # Compared in SQL: PostgreSQL holds no NUL in text, and integers of 64 bits.
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValidationFailed(BAD_CURSOR)
        if isinstance(value, str) and "\x00" in value:
            raise ValidationFailed(BAD_CURSOR)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise ValidationFailed(BAD_CURSOR)
    return values


def decode_cursor(cursor: str, order: Sequence[SortKey]) -> list[Any]:
    """The sort key values a cursor holds, each of its key's type, or ``ValidationFailed``."""
    values = decode_cursor_values(cursor)
    if len(values) != len(order):
        raise ValidationFailed(BAD_CURSOR)
    return [_typed(value, key.python_type()) for value, key in zip(values, order, strict=True)]


def _typed(value: Any, kind: type) -> Any:
    if kind is dt.datetime:
        if not isinstance(value, str):
            raise ValidationFailed(BAD_CURSOR)
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(BAD_CURSOR) from None
        if moment.tzinfo is None:
            raise ValidationFailed(BAD_CURSOR)
        return moment
    if not isinstance(value, kind):
        raise ValidationFailed(BAD_CURSOR)
    return value
