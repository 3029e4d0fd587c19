"""How large a request body each route accepts (http/body_limit.py enforces it before
routing): ``MINIRELEASE_MAX_JSON_BYTES`` for JSON bodies and console forms, more for the
routes that take files or batches; and on every route, a body that stops arriving for
``MINIRELEASE_BODY_TIMEOUT_SECONDS`` is given up.

A file route refuses an oversized file itself, after authorizing the caller and with the
rule it broke (``upload-too-large``, the icon's size); the limit here is a little above
that, a backstop that stops a body far past it before anything runs."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.types import Scope

from minirelease.config import Settings
from minirelease.http.body_limit import BodyRule
from minirelease.miniprograms.rules import MAX_ICON_BYTES
from minirelease.packages.receive import FRAMING_ALLOWANCE
from minirelease.telemetry.service import MAX_EVENTS

MIB = 1024 * 1024
# Above a file route's own limit, so that its finer refusal answers what is just over.
FILE_ROUTE_SLACK = MIB
# A full batch with the longest fields, escaped and pretty-printed, stays below this.
TELEMETRY_MAX_BYTES = MAX_EVENTS * 2048


def route_body_rules(api_prefix: str) -> Callable[[Scope], BodyRule]:
    """``rule_for(scope)`` of the app's routes (the API's under ``api_prefix``, the
    console's at the root), read from the app's settings of the moment."""
    uploads = re.compile(rf"(?:{re.escape(api_prefix)})?/mini-programs/[^/]+/versions")
    icons = re.compile(rf"(?:{re.escape(api_prefix)})?/mini-programs/[^/]+/icon")
    telemetry = f"{api_prefix}/telemetry"

    def rule_for(scope: Scope) -> BodyRule:
        settings: Settings = scope["app"].state.settings
        return BodyRule(max_bytes(settings, scope["path"]), settings.body_timeout_seconds)

    def max_bytes(settings: Settings, path: str) -> int:
        if uploads.fullmatch(path):
            return settings.max_upload_bytes + FRAMING_ALLOWANCE + FILE_ROUTE_SLACK
        if icons.fullmatch(path):
            return max(settings.max_json_bytes, MAX_ICON_BYTES + FILE_ROUTE_SLACK)
        if path == telemetry:
            return max(settings.max_json_bytes, TELEMETRY_MAX_BYTES)
        return settings.max_json_bytes

    return rule_for
