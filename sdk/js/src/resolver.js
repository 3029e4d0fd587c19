// Resolving launches locally from one verified manifest: the same answers as the server's
// GET /api/v1/launch/{partner_app}/{app_id}?user_id=…, without a request.

import { AppRollout, NOT_RELEASED_DETAIL } from "./decide.js";
import { loadUpdate } from "./delta.js";
import { NotReleased } from "./errors.js";
import { loadManifest } from "./manifest.js";

/**
 * Decides launches for one partner app (or one of its mini programs) from its manifest.
 * Immutable: to take a newer manifest, build a new Resolver (`fromEnvelope(..., { minSerial:
 * old.serial })`, or `old.applyDelta(...)` for the answer to `?since=old.serial`) and swap.
 */
export class Resolver {
  /** `baseUrl`: the server's origin, joined to the manifest's package paths. */
  constructor(manifest, { baseUrl = null } = {}) {
    this.manifest = manifest;
    this.baseUrl = baseUrl;
    this.apps = compile(manifest, baseUrl, null);
  }

  /**
   * Verify and load the manifest as served (see loadManifest): `partnerApp`, `minSerial`,
   * and `appId` for one mini program's manifest, which answers for that program alone.
   */
  static fromEnvelope(
    body,
    keys,
    { partnerApp = null, minSerial = null, baseUrl = null, appId = null } = {},
  ) {
    return new Resolver(loadManifest(body, keys, { partnerApp, minSerial, appId }), { baseUrl });
  }

  /**
   * A new resolver for the manifest that follows this one's: `body` is the answer to
   * GET …/manifest?since=<this.serial>, a delta or a full manifest (see loadUpdate),
   * verified with `keys` as fromEnvelope does. Only the mini programs the delta changes are
   * compiled again. Throws as loadUpdate does (DeltaInvalid for a gap): keep this resolver.
   */
  applyDelta(body, keys) {
    const manifest = loadUpdate(body, keys, this.manifest);
    const resolver = Object.create(Resolver.prototype);
    resolver.manifest = manifest;
    resolver.baseUrl = this.baseUrl;
    resolver.apps = compile(manifest, this.baseUrl, this);
    return resolver;
  }

  get serial() {
    return this.manifest.serial;
  }

  get partnerApp() {
    return this.manifest.partnerApp;
  }

  /** The one mini program this resolver's manifest is scoped to, or null. */
  get appId() {
    return this.manifest.miniProgram;
  }

  /**
   * What `userId` gets at launch of `appId`: {channel, releaseId, version, package: {url,
   * sha256, size, signature, keyId}}. Throws NotReleased (also for a mini program not on
   * this partner app, or not this resolver's one) or Removed.
   */
  resolve(appId, userId) {
    const rollout = this.apps.get(appId);
    if (rollout === undefined) throw new NotReleased(NOT_RELEASED_DETAIL);
    return rollout.decide(userId);
  }
}

/** The rollouts of `manifest` by app id, reusing `previous`'s for the entries it shares. */
function compile(manifest, baseUrl, previous) {
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
  const apps = new Map();
  for (const [appId, entry] of manifest.miniPrograms) {
    const same = previous !== null && previous.manifest.miniPrograms.get(appId) === entry;
    apps.set(appId, same ? previous.apps.get(appId) : new AppRollout(entry, answer));
  }
  return apps;
}
