"""Request and response bodies for partner apps and reviewers.

Request bodies check JSON types only; the values (code format, template placeholders,
limits, profile entries) are checked by ``partners/profile.py`` in the service, the one
place those rules live, so the API, the demo and the CLI refuse the same things."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, StrictBool, StrictInt, StrictStr
from pydantic.json_schema import SkipJsonSchema

from minirelease.partners import profile
from minirelease.partners.defaults import WALLET_PROFILE
from minirelease.schemas import Body, Read

_LIMITS_DOC = (
    "Package size limits in bytes: main_package_bytes, subpackage_bytes and total_bytes "
    f"(each 1 to {profile.MAX_PACKAGE_BYTES}; main and subpackage at most total). Limits "
    "left out keep their current value, or the design defaults (2, 2 and 8 MiB) on create."
)
_PROFILE_DOC = (
    "What the partner app supports: jsapis ('my.request', 'my.ap.navigateToAlipayPage', …), "
    "components ('view', 'scroll-view', …) and os_versions per platform "
    "(android and/or ios; versions like '14' or '14.2'; at least one in all)."
)
_TEMPLATE_DOC = (
    "Deep link opening a mini program in the partner app: a scheme such as 'wallet://' or "
    "'https://', the placeholder {app_id}, and optionally {page} and {query}."
)
_CODE_DOC = "2 to 40 lower-case letters, digits and dashes, starting with a letter; immutable."

_EXAMPLE_TEMPLATE = "wallet://mini?appId={app_id}&page={page}&query={query}"


class PartnerAppCreate(Body):
    code: StrictStr = Field(description=_CODE_DOC, examples=["acme-wallet"])
    name: StrictStr = Field(examples=["Acme Wallet"])
    deep_link_template: StrictStr = Field(description=_TEMPLATE_DOC, examples=[_EXAMPLE_TEMPLATE])
    package_limits: dict[str, Any] | None = Field(default=None, description=_LIMITS_DOC)
    block_on_failing_report: StrictBool = Field(
        default=False, description="Whether a failing compatibility report blocks applying."
    )
    grayscale_deadline_days: StrictInt = Field(
        default=profile.DEFAULT_GRAYSCALE_DEADLINE_DAYS,
        description="Days after which an unfinished grayscale completes (1 to 90).",
    )
    capability_profile: dict[str, Any] = Field(
        description=_PROFILE_DOC, examples=[dict(WALLET_PROFILE)]
    )


class PartnerAppUpdate(Body):
    """Only the fields sent change; ``null`` is refused like any other invalid value."""

    # Not offered in the schema: accepted here only so the service can say why it refuses.
    code: SkipJsonSchema[StrictStr | None] = None
    name: StrictStr | None = None
    deep_link_template: StrictStr | None = Field(default=None, description=_TEMPLATE_DOC)
    package_limits: dict[str, Any] | None = Field(default=None, description=_LIMITS_DOC)
    block_on_failing_report: StrictBool | None = None
    grayscale_deadline_days: StrictInt | None = None
    capability_profile: dict[str, Any] | None = Field(default=None, description=_PROFILE_DOC)


class PartnerAppRead(Read):
    id: str
    code: str
    name: str
    deep_link_template: str
    package_limits: profile.PackageLimits
    block_on_failing_report: bool
    grayscale_deadline_days: int
    capability_profile: profile.CapabilityProfile
    created_at: dt.datetime
    updated_at: dt.datetime


class ReviewerAdd(Body):
    user_id: StrictStr = Field(min_length=1, max_length=40)


class PartnerReviewerRead(Read):
    user_id: str
    email: str
    partner_app: str = Field(description="The partner app's code.")


class PlatformReviewerRead(Read):
    user_id: str
    email: str
