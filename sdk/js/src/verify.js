// Checking a signed manifest envelope (GET /api/v1/partner-apps/{code}/manifest):
//
//   {"manifest": M, "signature": base64(Ed25519(JCS(M))), "canonicalization": "jcs",
//    "key_id": "...", "algorithm": "Ed25519"}
//
// A delta (`?since=`, delta.js) and a mini program's manifest come in the same envelope.
//
// The signature covers the manifest's value: it is checked against the RFC 8785 (JCS)
// encoding of the parsed `manifest`, so an envelope that a proxy re-formatted still
// verifies while any change to a value does not.

import { verify } from "node:crypto";

import canonicalize from "canonicalize";

import { ManifestInvalid, SignatureInvalid } from "./errors.js";
import { KeySet, strictBase64 } from "./keys.js";

export const ALGORITHM = "Ed25519";
export const JCS = "jcs";
const SIGNATURE_BYTES = 64;
const UTF8 = new TextDecoder("utf-8", { fatal: true }); // throws on bytes that are not UTF-8

/** The envelope as an object, from its JSON text (string or bytes) or as already parsed. */
export function parseEnvelope(body) {
  let envelope = body;
  if (typeof body === "string" || body instanceof Uint8Array) {
    try {
      envelope = JSON.parse(typeof body === "string" ? body : UTF8.decode(body));
    } catch (error) {
      throw new ManifestInvalid(`manifest is not valid JSON: ${error.message}`);
    }
  }
  if (!isObject(envelope)) throw new ManifestInvalid("manifest envelope must be a JSON object");
  return envelope;
}

/**
 * The signed manifest of `envelope` once its signature checks out with the key its
 * `key_id` names in `keys` (a KeySet). Throws ManifestInvalid or SignatureInvalid.
 */
export function verifyEnvelope(envelope, keys) {
  if (!(keys instanceof KeySet)) keys = KeySet.fromDocument(keys);
  const manifest = envelope.manifest;
  if (!isObject(manifest)) {
    throw new ManifestInvalid("envelope field 'manifest' must be an object");
  }
  const signature = stringField(envelope, "signature");
  const claimedKey = stringField(envelope, "key_id");
  const algorithm = stringField(envelope, "algorithm");
  if (algorithm !== ALGORITHM) {
    throw new SignatureInvalid(
      `manifest is signed with ${JSON.stringify(algorithm)}; only Ed25519 is trusted`,
    );
  }
  if (!("canonicalization" in envelope)) {
    throw new SignatureInvalid(
      "manifest has no 'canonicalization': a server before JCS signed it over Python's " +
        "sorted-keys JSON, which only the Python SDK checks; upgrade the server",
    );
  }
  const canonicalization = stringField(envelope, "canonicalization");
  if (canonicalization !== JCS) {
    throw new SignatureInvalid(
      `manifest is signed over the ${JSON.stringify(canonicalization)} canonicalization; ` +
        'this resolver knows "jcs"',
    );
  }
  const key = keys.keyFor(claimedKey);
  const raw = strictBase64(signature);
  if (raw === null || raw.length !== SIGNATURE_BYTES) {
    throw new SignatureInvalid("manifest signature is not the base64 of 64 bytes");
  }
  let signed;
  try {
    signed = Buffer.from(canonicalize(manifest), "utf8");
  } catch (error) {
    // An unpaired surrogate, NaN: nothing the server signs.
    throw new ManifestInvalid(`manifest holds a value with no canonical form: ${error.message}`);
  }
  if (!verify(null, signed, key, raw)) {
    throw new SignatureInvalid("manifest signature does not match its content");
  }
  return manifest;
}

export function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function stringField(envelope, name) {
  const value = envelope[name];
  if (typeof value !== "string") {
    throw new ManifestInvalid(`envelope field '${name}' must be a string`);
  }
  return value;
}
