// minirelease's resolver for Node backends: verify a partner app's signed rollout manifest
// (RFC 8785 JSON canonicalization, Node's own Ed25519), or one mini program's, keep it up
// to date with signed deltas, and decide launches locally with the server's answers.
// Fetching is the caller's job; see README.md.

export { BUCKETS, bucket, inGrayscale } from "./bucketing.js";
export { testerDigest } from "./decide.js";
export { applyDelta, loadUpdate, parseDelta } from "./delta.js";
export {
  DeltaInvalid,
  KeyInvalid,
  ManifestInvalid,
  NotReleased,
  Removed,
  ResolverError,
  SignatureInvalid,
  StaleManifest,
} from "./errors.js";
export { KeySet, keyId } from "./keys.js";
export { checkScope, loadManifest, parseManifest } from "./manifest.js";
export { murmur3_32 } from "./murmur3.js";
export { Resolver } from "./resolver.js";
export { parseEnvelope, verifyEnvelope } from "./verify.js";
