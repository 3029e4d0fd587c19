// Which package a user gets at launch (design §6), as minirelease.resolver.decide:
//
// - removed → Removed;
// - a candidate (a release under pilot or grayscale) that is not halted, and a user id:
//   a pilot tester gets it (channel "pilot"), and so, during a grayscale, does a user whose
//   bucket is below the basis points (channel "grayscale");
// - everyone else gets the online version, or NotReleased when nothing is online.

import { createHash } from "node:crypto";

import { BUCKETS, utf8Bytes } from "./bucketing.js";
import { murmur3_32 } from "./murmur3.js";
import { NotReleased, Removed } from "./errors.js";

export const REMOVED_DETAIL = "this mini program was removed from this partner app";
export const NOT_RELEASED_DETAIL = "no version of this mini program is released for this user";

/** How a pilot tester appears in a manifest: hex SHA-256 of `${testerSalt}:${userId}`. */
export function testerDigest(testerSalt, userId) {
  return createHash("sha256").update(utf8Bytes(`${testerSalt}:${userId}`)).digest("hex");
}

/** One mini program's rollout on one partner app, compiled from its manifest entry. */
export class AppRollout {
  /** `answer(channel, pkg)` makes the decision handed out for a package on a channel. */
  constructor(entry, answer) {
    this.removed = entry.removed;
    this.online = entry.online === null ? null : answer("online", entry.online);
    const candidate = entry.removed ? null : entry.candidate;
    this.live = false;
    if (candidate !== null) {
      this.pilot = answer("pilot", candidate.package);
      this.grayscale = answer("grayscale", candidate.package);
      this.points = candidate.state === "grayscale" ? candidate.basisPoints : 0;
      this.testers = candidate.testers;
      this.releaseId = candidate.package.releaseId;
      this.testerSalt = candidate.testerSalt;
      this.live = !candidate.halted && (this.points > 0 || this.testers.size > 0);
    }
  }

  /** The decision for `userId` (a string; null, undefined or "" for no user). */
  decide(userId) {
    if (this.removed) throw new Removed(REMOVED_DETAIL);
    if (userId !== null && userId !== undefined && typeof userId !== "string") {
      throw new TypeError("a user id is a string, null or undefined");
    }
    if (userId && this.live) {
      if (this.testers.size > 0 && this.testers.has(testerDigest(this.testerSalt, userId))) {
        return this.pilot;
      }
      if (murmur3_32(utf8Bytes(`${this.releaseId}:${userId}`)) % BUCKETS < this.points) {
        return this.grayscale;
      }
    }
    if (this.online === null) throw new NotReleased(NOT_RELEASED_DETAIL);
    return this.online;
  }
}
