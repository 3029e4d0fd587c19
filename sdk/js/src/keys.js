// The platform's published signing keys, chosen by key id, as minirelease.resolver.keys.
//
// GET /api/v1/signing-key answers the key the server signs with (`key_id`, `public_key`:
// base64 of the raw 32 bytes) and `keys`: every key whose signatures are valid, `active` or
// `previous`. Retired keys are no longer listed, so what they signed is refused.

import { createHash, createPublicKey } from "node:crypto";

import { KeyInvalid, SignatureInvalid } from "./errors.js";

const VALID_STATUSES = new Set(["active", "previous"]);
const RAW_KEY_BYTES = 32;

/** The platform's name for a key: the first 16 hex digits of SHA-256 of its raw bytes. */
export function keyId(raw) {
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

/** The bytes of `text` if it is their one base64 spelling, else null. */
export function strictBase64(text) {
  if (typeof text !== "string") return null;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : null;
}

function publicKey(entry) {
  const raw = strictBase64(entry.public_key);
  if (raw === null) throw new KeyInvalid("signing-key document: 'public_key' is not base64");
  if (raw.length !== RAW_KEY_BYTES) {
    throw new KeyInvalid(`a raw Ed25519 public key has 32 bytes, got ${raw.length}`);
  }
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
    format: "jwk",
  });
  return { id: keyId(raw), key };
}

/** The keys of one /signing-key document, by key id. */
export class KeySet {
  constructor(keys, active = null) {
    this.keys = new Map(keys);
    this.active = active;
  }

  /**
   * Parse what GET /signing-key answers (its JSON text or the parsed object). A document
   * without `keys` (a server before key rotation) gives its single key. Each key's id is
   * computed from the key and must match the id it is listed under.
   */
  static fromDocument(document) {
    const data = typeof document === "string" ? parseJson(document) : document;
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new KeyInvalid("signing-key document must be a JSON object");
    }
    if (data.keys === undefined || data.keys === null) {
      const single = publicKey(data);
      return new KeySet([[single.id, single.key]], single.id);
    }
    if (!Array.isArray(data.keys)) {
      throw new KeyInvalid("signing-key document: 'keys' must be a list");
    }
    const keys = [];
    let active = null;
    for (const entry of data.keys) {
      if (entry === null || typeof entry !== "object") continue;
      if ((entry.algorithm ?? "Ed25519") !== "Ed25519") continue; // a kind of key not known here
      if (!VALID_STATUSES.has(entry.status)) continue;
      const { id, key } = publicKey(entry);
      if (entry.key_id !== id) {
        const listed = JSON.stringify(entry.key_id);
        throw new KeyInvalid(`signing-key document lists key ${id} as ${listed}`);
      }
      keys.push([id, key]);
      if (entry.status === "active") active = id;
    }
    return new KeySet(keys, active);
  }

  /** The trusted key named `kid`; throws SignatureInvalid (with `unknownKeyId`) otherwise. */
  keyFor(kid) {
    const key = this.keys.get(kid);
    if (key === undefined) {
      const trusted = [...this.keys.keys()].sort().join(", ") || "none";
      const error = new SignatureInvalid(
        `signed with key ${JSON.stringify(kid)}, which is not a published signing key ` +
          `(unknown or retired); trusted keys: ${trusted}`,
      );
      error.unknownKeyId = kid; // fetch /signing-key again (once) after a rotation
      throw error;
    }
    return key;
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new KeyInvalid(`signing-key document is not valid JSON: ${error.message}`);
  }
}
