"""QR codes in the console: the image itself, served with the session. The listing page's
"QR Code" form shows it (and offers it for download) through this route, whose address
holds the request (kind, partner app, page, query, and the release a preview or trial
code opens): none of them is a secret, and the service checks who may have the code.
Each image served is a code issued, audited as the API's ``POST …/qrcodes`` is."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import Response

from minirelease.api.database_slots import writes
from minirelease.api.deps import Uow
from minirelease.miniprograms.qrcodes import CONTENT_TYPES, ImageFormat, QrCode, check_format
from minirelease.releases import qrcodes
from minirelease.web.auth import Viewer
from minirelease.web.router import console_router

router = console_router()

DEEP_LINK_HEADER = "X-Deep-Link"


def image_url(qr: QrCode, image_format: ImageFormat, *, download: bool = False) -> str:
    """Where the image of ``qr`` is served: the same code, pinned to its release when it
    names one (preview and trial), so what is shown is what the page described."""
    params = {"kind": qr.kind.value, "partner_app": qr.partner_app}
    if qr.page:
        params["page"] = qr.page
    if qr.query:
        params["query"] = qr.query
    if qr.kind is not qrcodes.Kind.PROMO:
        params["release_id"] = qr.release_id
    if download:
        params["download"] = "1"
    return f"/mini-programs/{qr.mini_program_id}/qrcodes.{image_format.value}?{urlencode(params)}"


@router.get("/mini-programs/{mini_program_id}/qrcodes.{image_format}")
@writes  # issuing a code is audited
def qrcode_image(
    mini_program_id: str,
    image_format: str,
    viewer: Viewer,
    uow: Uow,
    kind: str = "",
    partner_app: str = "",
    page: str | None = None,
    query: str | None = None,
    release_id: str | None = None,
    download: bool = False,
) -> Response:
    checked = check_format(image_format)
    qr = qrcodes.qrcode_for(
        uow.session,
        viewer,
        mini_program_id=mini_program_id,
        kind=kind,
        partner_app=partner_app,
        page=page,
        query=query,
        release_id=release_id,
    )
    image = qrcodes.render(qr, checked)
    uow.commit()
    disposition = "attachment" if download else "inline"
    return Response(
        image,
        media_type=CONTENT_TYPES[checked],
        headers={
            DEEP_LINK_HEADER: qr.deep_link,
            "Content-Disposition": f'{disposition}; filename="{qr.filename(checked)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            # An SVG opened on its own is a document: it may not run or load anything.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
