// Grayscale bucketing (design §6, normative), as minirelease.resolver.bucketing:
//
//   bucket(release_id, user_id) = murmur3_x86_32(utf8(release_id + ":" + user_id), seed=0) mod 10000
//   the user gets the grayscale version  <=>  bucket < basis points (percentage x 100)

import { murmur3_32 } from "./murmur3.js";

export const BUCKETS = 10_000;

const utf8 = new TextEncoder();

/**
 * The UTF-8 bytes of `text`. A string with an unpaired surrogate is not text (Python's
 * SDK raises UnicodeEncodeError for it): refused rather than hashed as U+FFFD.
 */
export function utf8Bytes(text) {
  if (!text.isWellFormed()) {
    throw new TypeError("a user id must be well-formed Unicode (it has an unpaired surrogate)");
  }
  return utf8.encode(text);
}

export function bucket(releaseId, userId) {
  return murmur3_32(utf8Bytes(`${releaseId}:${userId}`)) % BUCKETS;
}

export function inGrayscale(releaseId, userId, basisPoints) {
  return bucket(releaseId, userId) < basisPoints;
}
