"""QR codes of a mini program on a partner app (design §9): the image itself, with the
deep link it holds in a header."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import Field, StrictStr

from minirelease.api.deps import CurrentUser, Uow
from minirelease.miniprograms.qrcodes import (
    CONTENT_TYPES,
    MAX_PAGE_CHARS,
    MAX_QUERY_CHARS,
    ImageFormat,
)
from minirelease.releases import qrcodes
from minirelease.schemas import Body

router = APIRouter(tags=["qrcodes"])

DEEP_LINK_HEADER = "X-Deep-Link"


class QrCodeRequest(Body):
    """Types only: the values are checked by the service, so the console refuses the same."""

    kind: Literal["promo", "preview", "trial"] = Field(
        description="promo: what is online on the partner app; preview and trial: a built "
        "release, for the team and the mini program's testers."
    )
    partner_app: StrictStr = Field(description="The partner app's code.")
    page: StrictStr | None = Field(
        default=None,
        description=f"A page of the version the code opens (at most {MAX_PAGE_CHARS} "
        "characters), e.g. 'pages/index/index'; none: the home page.",
    )
    query: StrictStr | None = Field(
        default=None,
        description=f"The launch query (at most {MAX_QUERY_CHARS} characters), e.g. "
        "'from=poster'; keys starting with 'mr_' are reserved.",
    )
    format: Literal["png", "svg"]
    release_id: StrictStr | None = Field(
        default=None,
        description="preview and trial only: the built release to open; by default the "
        "newest one to the partner app.",
    )


_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The QR code image, holding the partner app's deep link.",
        "content": {
            content_type: {"schema": {"type": "string", "format": "binary"}}
            for content_type in CONTENT_TYPES.values()
        },
        "headers": {
            DEEP_LINK_HEADER: {
                "description": "The deep link the code holds.",
                "schema": {"type": "string"},
            }
        },
    }
}


@router.post(
    "/mini-programs/{mini_program_id}/qrcodes", response_class=Response, responses=_RESPONSES
)
def create_qrcode(
    mini_program_id: str, body: QrCodeRequest, principal: CurrentUser, uow: Uow
) -> Response:
    """A QR code holding the partner app's deep link: its template with `{app_id}`,
    `{page}` and `{query}` filled in, each value percent-encoded as one URL component.

    - **promo** opens what is online on the partner app (404 `not_released` before
      anything is, 410 `removed` after removal); the query is yours as given.
    - **preview** and **trial** open a built release to the partner app (`release_id`, or
      the newest); the query is yours followed by
      `mr_kind=<kind>&mr_release=<release id>&mr_version=<version>`, so the partner app
      knows which release to open. For the team, the mini program's testers, and
      reviewers once the release reached them.

    The response is the image itself (`image/png` or `image/svg+xml`), with the deep link
    in the `X-Deep-Link` header. Issuing a code is recorded in the audit log."""
    qr = qrcodes.qrcode_for(
        uow.session,
        principal,
        mini_program_id=mini_program_id,
        kind=body.kind,
        partner_app=body.partner_app,
        page=body.page,
        query=body.query,
        release_id=body.release_id,
    )
    image_format = ImageFormat(body.format)
    image = qrcodes.render(qr, image_format)
    uow.commit()
    return Response(
        image,
        media_type=CONTENT_TYPES[image_format],
        headers={
            DEEP_LINK_HEADER: qr.deep_link,
            "Content-Disposition": f'inline; filename="{qr.filename(image_format)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
