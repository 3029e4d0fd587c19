// The resolver's own errors, with the same codes as the Python SDK's
// (minirelease.resolver.errors): a caller tells them apart by class or by `code`.

export class ResolverError extends Error {
  constructor(detail) {
    super(detail);
    this.name = new.target.name;
    this.detail = detail;
  }
}

/** The public key given is not an Ed25519 public key, or the key document is malformed. */
export class KeyInvalid extends ResolverError {}
KeyInvalid.prototype.code = "key_invalid";

/**
 * Not well-formed: not JSON, a mistyped field, an unknown format or kind, another partner
 * app or mini program.
 */
export class ManifestInvalid extends ResolverError {}
ManifestInvalid.prototype.code = "manifest_invalid";

/** Older (a lower serial) than one already accepted: a replay or a stale cache. */
export class StaleManifest extends ManifestInvalid {}
StaleManifest.prototype.code = "manifest_stale";

/**
 * A manifest delta that cannot be applied to the manifest in use: it starts from another
 * serial (a gap), is for another partner app, or does not give the number of mini programs
 * it says. Fetch the full manifest (without `since`).
 */
export class DeltaInvalid extends ManifestInvalid {}
DeltaInvalid.prototype.code = "delta_invalid";

/** Not signed by a published key, or changed after signing. */
export class SignatureInvalid extends ResolverError {}
SignatureInvalid.prototype.code = "signature_invalid";

/** Nothing of this mini program is released to this user (server: 404 not_released). */
export class NotReleased extends ResolverError {}
NotReleased.prototype.code = "not_released";

/** The mini program was removed from this partner app (server: 410 removed). */
export class Removed extends ResolverError {}
Removed.prototype.code = "removed";
