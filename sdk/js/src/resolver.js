// Resolving launches locally from one verified manifest: the same answers as the server's
// GET /api/v1/launch/{partner_app}/{app_id}?user_id=…, without a request.

import { AppRollout, NOT_RELEASED_DETAIL } from "./decide.js";
import { ManifestInvalid, NotReleased, StaleManifest } from "./errors.js";
import { parseManifest } from "./manifest.js";
import { parseEnvelope, verifyEnvelope } from "./verify.js";

/**
 * The manifest in `body` (the envelope as served: JSON text, bytes or the parsed object),
 * once its signature checks out with `keys` (a KeySet, or the /signing-key document).
 * `partnerApp` refuses another partner app's manifest; `minSerial` one older than the
 * manifest in use. Throws KeyInvalid, ManifestInvalid, SignatureInvalid, StaleManifest.
 */
export function loadManifest(body, keys, { partnerApp = null, minSerial = null } = {}) {
  const manifest = parseManifest(verifyEnvelope(parseEnvelope(body), keys));
  if (partnerApp !== null && manifest.partnerApp !== partnerApp) {
    const [got, wanted] = [manifest.partnerApp, partnerApp].map((code) => JSON.stringify(code));
    throw new ManifestInvalid(`manifest is for partner app ${got}, not ${wanted}`);
  }
  if (minSerial !== null && manifest.serial < minSerial) {
    throw new StaleManifest(
      `manifest serial ${manifest.serial} is older than the accepted ${minSerial}`,
    );
  }
  return manifest;
}

/**
 * Decides launches for one partner app from its manifest. Immutable: to take a newer
 * manifest, build a new Resolver (`fromEnvelope(..., { minSerial: old.serial })`) and swap.
 */
export class Resolver {
  /** `baseUrl`: the server's origin, joined to the manifest's package paths. */
  constructor(manifest, { baseUrl = null } = {}) {
    this.manifest = manifest;
    const answer = (channel, pkg) =>
      Object.freeze({
        channel,
        releaseId: pkg.releaseId,
        version: pkg.version,
        package: Object.freeze({
          url: baseUrl ? new URL(pkg.url, baseUrl).href : pkg.url,
          sha256: pkg.sha256,
          size: pkg.size,
          signature: pkg.signature,
          keyId: pkg.keyId,
        }),
      });
    this.apps = new Map();
    for (const [appId, entry] of manifest.miniPrograms) {
      this.apps.set(appId, new AppRollout(entry, answer));
    }
  }

  static fromEnvelope(body, keys, { partnerApp = null, minSerial = null, baseUrl = null } = {}) {
    return new Resolver(loadManifest(body, keys, { partnerApp, minSerial }), { baseUrl });
  }

  get serial() {
    return this.manifest.serial;
  }

  get partnerApp() {
    return this.manifest.partnerApp;
  }

  /**
   * What `userId` gets at launch of `appId`: {channel, releaseId, version, package: {url,
   * sha256, size, signature, keyId}}. Throws NotReleased (also for a mini program not on
   * this partner app) or Removed.
   */
  resolve(appId, userId) {
    const rollout = this.apps.get(appId);
    if (rollout === undefined) throw new NotReleased(NOT_RELEASED_DETAIL);
    return rollout.decide(userId);
  }
}
