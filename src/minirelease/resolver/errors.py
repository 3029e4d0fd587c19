"""The resolver's own exceptions. It depends on nothing else of minirelease, so a partner
app can vendor it; the server maps the two launch outcomes onto its domain errors."""

from __future__ import annotations


class ResolverError(Exception):
    """Base of everything this package raises on purpose."""

    code: str = "resolver_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class KeyInvalid(ResolverError):
    """The public key given to verify with is not an Ed25519 public key."""

    code = "key_invalid"


class ManifestInvalid(ResolverError):
    """The manifest is not well-formed: not JSON, a missing or mistyped field, an unknown
    format, another partner app's manifest."""

    code = "manifest_invalid"


class StaleManifest(ManifestInvalid):
    """The manifest is older (a lower serial) than one already accepted: a replay or a
    stale cache. Keep using the newer one."""

    code = "manifest_stale"


class DeltaInvalid(ManifestInvalid):
    """A manifest delta that cannot be applied to the manifest in use: it starts from
    another serial (a gap), is for another partner app, or does not give the number of
    mini programs it says. Fetch the full manifest (without ``since``)."""

    code = "delta_invalid"


class SignatureInvalid(ResolverError):
    """The manifest was not signed by the trusted key, or was changed after signing."""

    code = "signature_invalid"


class NotReleased(ResolverError):
    """Nothing of this mini program is released to this user (server: 404 not_released)."""

    code = "not_released"


class Removed(ResolverError):
    """The mini program was removed from this partner app (server: 410 removed)."""

    code = "removed"
