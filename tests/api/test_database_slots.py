"""Which requests get a read-only unit of work: reads, except endpoints marked as writing."""

from __future__ import annotations

from starlette.requests import Request

from minirelease.api.database_slots import _read_only, writes


def _request(method: str, endpoint: object) -> Request:
    return Request({"type": "http", "method": method, "headers": [], "endpoint": endpoint})


def _plain() -> None: ...


@writes
def _audited() -> None: ...


def test_a_get_reads_unless_its_endpoint_writes() -> None:
    assert _read_only(_request("GET", _plain))
    assert _read_only(_request("HEAD", _plain))
    assert not _read_only(_request("GET", _audited))
    assert not _read_only(_request("POST", _plain))


def test_the_console_pages_that_audit_on_get_are_marked() -> None:
    from minirelease.web.routes.listings import listing
    from minirelease.web.routes.qrcodes import qrcode_image

    assert not _read_only(_request("GET", qrcode_image))
    assert not _read_only(_request("GET", listing))
