// A partner app's rollout manifest, checked field by field, as minirelease.resolver.manifest:
//
//   M = {"format": 1, "partner_app": code, "mini_program"?: app_id, "serial": int,
//        "mini_programs": {app_id: {
//          "removed": bool,
//          "online": P | null,
//          "candidate": null | P + {"state": "pilot" | "grayscale", "basis_points": 0..10000,
//                                   "halted": bool, "tester_salt": str,
//                                   "testers": [hex sha256(utf8(tester_salt + ":" + user_id))]}}}}
//   P = {"release_id", "version", "sha256", "size", "signature", "url", "key_id"?}
//
// A manifest with `mini_program` is that one program's (served at
// /partner-apps/{code}/mini-programs/{app_id}/manifest) and lists it alone; see checkScope.
// Unknown fields are ignored (they are signed, so harmless); another format is refused, and
// so is another kind of document (a delta, delta.js) where a full manifest is expected.

import { BUCKETS } from "./bucketing.js";
import { ManifestInvalid, StaleManifest } from "./errors.js";
import { isObject, parseEnvelope, verifyEnvelope } from "./verify.js";

export const FORMAT = 1;
const CANDIDATE_STATES = new Set(["pilot", "grayscale"]);
const SHA256_HEX = /^[0-9a-f]{64}$/;

const KINDS = {
  string: (value) => typeof value === "string",
  boolean: (value) => typeof value === "boolean",
  integer: (value) => Number.isSafeInteger(value),
  object: isObject,
  list: Array.isArray,
};

/**
 * The manifest in `body` (the envelope as served: JSON text, bytes or the parsed object),
 * once its signature checks out with `keys` (a KeySet, or the /signing-key document).
 * `partnerApp` refuses another partner app's manifest; `minSerial` one older than the
 * manifest in use; `appId` expects the manifest of that one mini program (see checkScope).
 * Throws KeyInvalid, ManifestInvalid, SignatureInvalid, StaleManifest.
 */
export function loadManifest(body, keys, options = {}) {
  return acceptManifest(verifyEnvelope(parseEnvelope(body), keys), options);
}

/** The verified manifest `data`, parsed and checked as loadManifest says. */
export function acceptManifest(data, { partnerApp = null, minSerial = null, appId = null } = {}) {
  const manifest = parseManifest(data);
  if (partnerApp !== null && manifest.partnerApp !== partnerApp) {
    const [got, wanted] = [manifest.partnerApp, partnerApp].map((code) => JSON.stringify(code));
    throw new ManifestInvalid(`manifest is for partner app ${got}, not ${wanted}`);
  }
  checkScope(manifest, appId);
  if (minSerial !== null && manifest.serial < minSerial) {
    throw new StaleManifest(
      `manifest serial ${manifest.serial} is older than the accepted ${minSerial}`,
    );
  }
  return manifest;
}

/**
 * A manifest scoped to one mini program is taken only by a caller expecting exactly that
 * one (`appId`), who takes nothing else: not another program's, nor a partner app's whole
 * manifest, whose serial moves with every program's change where a program's moves with
 * its own alone. Throws ManifestInvalid.
 */
export function checkScope(manifest, appId) {
  const scope = manifest.miniProgram;
  if (scope === appId) return;
  const [quotedScope, quotedAppId] = [scope, appId].map((id) => JSON.stringify(id));
  if (appId === null) {
    throw new ManifestInvalid(
      `manifest covers mini program ${quotedScope} alone; load it with appId ${quotedScope}`,
    );
  }
  if (scope === null) {
    throw new ManifestInvalid(
      `manifest is the whole partner app's, not mini program ${quotedAppId}'s`,
    );
  }
  throw new ManifestInvalid(`manifest is for mini program ${quotedScope}, not ${quotedAppId}`);
}

/** The verified manifest's fields, checked. Throws ManifestInvalid. */
export function parseManifest(data) {
  checkFormat(data);
  if ((Object.hasOwn(data, "kind") ? data.kind : "manifest") !== "manifest") {
    // a delta (delta.js), or a kind of document newer than this resolver
    throw new ManifestInvalid(`a ${JSON.stringify(data.kind)} document is not a full manifest`);
  }
  const partnerApp = field(data, "partner_app", "string", "manifest");
  const serial = integer(data, "serial", "manifest", 0, null);
  const programs = field(data, "mini_programs", "object", "manifest");
  const scope = Object.hasOwn(data, "mini_program")
    ? field(data, "mini_program", "string", "manifest")
    : null;
  const listed = Object.keys(programs);
  if (scope !== null && (listed.length !== 1 || listed[0] !== scope)) {
    const quoted = JSON.stringify(scope);
    throw new ManifestInvalid(`a manifest of mini program ${quoted} must list it alone`);
  }
  const miniPrograms = new Map();
  for (const [appId, entry] of Object.entries(programs)) {
    miniPrograms.set(appId, parseEntry(entry, `mini_programs[${JSON.stringify(appId)}]`));
  }
  return { partnerApp, serial, miniPrograms, miniProgram: scope };
}

/** Refuses a document of another format than the one this resolver reads. */
export function checkFormat(data) {
  if (data.format !== FORMAT) {
    throw new ManifestInvalid(`unsupported manifest format ${JSON.stringify(data.format)}`);
  }
}

/** One mini program's entry, as a manifest and a delta hold it. */
export function parseEntry(entry, where) {
  if (!isObject(entry)) throw new ManifestInvalid(`${where} must be an object`);
  const online = entry.online ?? null;
  const candidate = entry.candidate ?? null;
  return {
    removed: field(entry, "removed", "boolean", where),
    online: online === null ? null : parsePackage(online, `${where}.online`),
    candidate: candidate === null ? null : parseCandidate(candidate, `${where}.candidate`),
  };
}

function parsePackage(data, where) {
  if (!isObject(data)) throw new ManifestInvalid(`${where} must be an object or null`);
  const sha256 = field(data, "sha256", "string", where);
  if (!SHA256_HEX.test(sha256)) {
    throw new ManifestInvalid(`${where}.sha256 must be 64 lowercase hex digits`);
  }
  return {
    releaseId: field(data, "release_id", "string", where),
    version: field(data, "version", "string", where),
    sha256,
    size: integer(data, "size", where, 0, null),
    signature: field(data, "signature", "string", where),
    url: field(data, "url", "string", where),
    keyId: (data.key_id ?? null) === null ? null : field(data, "key_id", "string", where),
  };
}

function parseCandidate(data, where) {
  const pkg = parsePackage(data, where);
  const state = field(data, "state", "string", where);
  if (!CANDIDATE_STATES.has(state)) {
    const got = JSON.stringify(state);
    throw new ManifestInvalid(`${where}.state must be pilot or grayscale, not ${got}`);
  }
  const testers = field(data, "testers", "list", where);
  if (!testers.every((t) => typeof t === "string" && SHA256_HEX.test(t))) {
    throw new ManifestInvalid(`${where}.testers must be hex SHA-256 digests`);
  }
  return {
    package: pkg,
    state,
    basisPoints: integer(data, "basis_points", where, 0, BUCKETS),
    halted: field(data, "halted", "boolean", where),
    testerSalt: field(data, "tester_salt", "string", where),
    testers: new Set(testers),
  };
}

export function field(data, name, kind, where) {
  const value = data[name];
  if (!Object.hasOwn(data, name) || !KINDS[kind](value)) {
    const got = value === null || value === undefined ? "null" : typeof value;
    throw new ManifestInvalid(`${where}.${name} must be a ${kind}, got ${got}`);
  }
  return value;
}

export function integer(data, name, where, low, high) {
  const value = field(data, name, "integer", where);
  if (value < low || (high !== null && value > high)) {
    const upper = high === null ? "" : ` and at most ${high}`;
    throw new ManifestInvalid(`${where}.${name} must be at least ${low}${upper}, got ${value}`);
  }
  return value;
}
