// A partner app's rollout manifest, checked field by field, as minirelease.resolver.manifest:
//
//   M = {"format": 1, "partner_app": code, "serial": int, "mini_programs": {app_id: {
//          "removed": bool,
//          "online": P | null,
//          "candidate": null | P + {"state": "pilot" | "grayscale", "basis_points": 0..10000,
//                                   "halted": bool, "tester_salt": str,
//                                   "testers": [hex sha256(utf8(tester_salt + ":" + user_id))]}}}}
//   P = {"release_id", "version", "sha256", "size", "signature", "url", "key_id"?}
//
// Unknown fields are ignored (they are signed, so harmless); another format is refused.

import { BUCKETS } from "./bucketing.js";
import { ManifestInvalid } from "./errors.js";
import { isObject } from "./verify.js";

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

/** The verified manifest's fields, checked. Throws ManifestInvalid. */
export function parseManifest(data) {
  if (data.format !== FORMAT) {
    throw new ManifestInvalid(`unsupported manifest format ${JSON.stringify(data.format)}`);
  }
  const programs = field(data, "mini_programs", "object", "manifest");
  const miniPrograms = new Map();
  for (const [appId, entry] of Object.entries(programs)) {
    miniPrograms.set(appId, parseEntry(entry, `mini_programs[${JSON.stringify(appId)}]`));
  }
  return {
    partnerApp: field(data, "partner_app", "string", "manifest"),
    serial: integer(data, "serial", "manifest", 0, null),
    miniPrograms,
  };
}

function parseEntry(entry, where) {
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

function field(data, name, kind, where) {
  const value = data[name];
  if (!Object.hasOwn(data, name) || !KINDS[kind](value)) {
    const got = value === null || value === undefined ? "null" : typeof value;
    throw new ManifestInvalid(`${where}.${name} must be a ${kind}, got ${got}`);
  }
  return value;
}

function integer(data, name, where, low, high) {
  const value = field(data, name, "integer", where);
  if (value < low || (high !== null && value > high)) {
    const upper = high === null ? "" : ` and at most ${high}`;
    throw new ManifestInvalid(`${where}.${name} must be at least ${low}${upper}, got ${value}`);
  }
  return value;
}
