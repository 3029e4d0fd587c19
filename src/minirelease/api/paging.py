"""Every list endpoint's pagination over HTTP: ``?cursor=&limit=`` in, ``{"items": [...],
"next_cursor": "..." | null}`` out (minirelease/pagination.py makes the pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from minirelease.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, Page, PageRequest

T = TypeVar("T")
R = TypeVar("R")


class PageRead(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def page_request(
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_CHARS,
            description="The `next_cursor` of the previous page; leave out for the first.",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="At most this many items per page.")
    ] = DEFAULT_LIMIT,
) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


Paging = Annotated[PageRequest, Depends(page_request)]


def page_read(page: Page[T], read: Callable[[T], R]) -> PageRead[R]:
    return PageRead(items=[read(item) for item in page.items], next_cursor=page.next_cursor)
