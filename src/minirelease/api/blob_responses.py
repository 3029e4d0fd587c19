"""Blobs over HTTP: the app's blob store as a dependency, and a blob streamed from it in
bounded blocks with its length, or a redirect to where the public may fetch it directly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, StreamingResponse

from minirelease.storage import BlobStore

BLOCK_BYTES = 256 * 1024
# A redirect may be cached a while (the blob never changes), not forever: the public base
# URL may change.
REDIRECT_CACHE_CONTROL = "public, max-age=3600"


def get_blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blob_store
    return store


Blobs = Annotated[BlobStore, Depends(get_blob_store)]


def stream_blob(store: BlobStore, sha256: str, headers: dict[str, str]) -> StreamingResponse:
    """The blob as an ``application/zip`` body; FileNotFoundError when it is not stored.
    Opened before the response starts, so a missing blob is an error, not a cut body."""
    size = store.size(sha256)
    blob = store.open(sha256)

    def blocks() -> Iterator[bytes]:
        with blob:
            while block := blob.read(BLOCK_BYTES):
                yield block

    return StreamingResponse(
        blocks(),
        media_type="application/zip",
        headers={**headers, "Content-Length": str(size)},
    )


def redirect_to(url: str, sha256: str) -> RedirectResponse:
    return RedirectResponse(
        url,
        status_code=307,
        headers={"ETag": f'"{sha256}"', "Cache-Control": REDIRECT_CACHE_CONTROL},
    )
