// Manifest deltas, as minirelease.resolver.delta: what changed in a partner app's manifest
// since the serial a backend holds, signed like the manifest and applied to it.
//
//   D = {"format": 1, "kind": "delta", "partner_app": code, "since": S, "serial": N,
//        "count": int, "changes": {app_id: entry | null}}
//
// GET /api/v1/partner-apps/{code}/manifest?since=S answers D when the server holds the
// changes since S, else the full manifest; loadUpdate takes either. A delta applies only to
// the manifest of serial S of the same partner app (anything else, a gap, throws
// DeltaInvalid): each entry replaces the app id's, a null drops the app id, and the result,
// labelled N, must list `count` mini programs. It is verified by the same envelope code as a
// manifest, and it never stands for one: parseManifest refuses its "kind".

import { DeltaInvalid, ManifestInvalid } from "./errors.js";
import { acceptManifest, checkFormat, field, integer, parseEntry } from "./manifest.js";
import { parseEnvelope, verifyEnvelope } from "./verify.js";

export const KIND = "delta";

/** The verified delta's fields, checked: {partnerApp, since, serial, count, changes}. */
export function parseDelta(data) {
  checkFormat(data);
  if (data.kind !== KIND) {
    throw new ManifestInvalid(`a ${JSON.stringify(data.kind)} document is not a manifest delta`);
  }
  const since = integer(data, "since", "delta", 0, null);
  const serial = integer(data, "serial", "delta", since, null);
  const changes = new Map(); // app id → entry, or null: no longer listed
  for (const [appId, entry] of Object.entries(field(data, "changes", "object", "delta"))) {
    const where = `changes[${JSON.stringify(appId)}]`;
    changes.set(appId, entry === null ? null : parseEntry(entry, where));
  }
  return {
    partnerApp: field(data, "partner_app", "string", "delta"),
    since,
    serial,
    count: integer(data, "count", "delta", 0, null),
    changes,
  };
}

/**
 * `manifest` with `delta` applied: the manifest of the delta's serial. Entries it does not
 * change are the same objects as in `manifest`. Throws DeltaInvalid.
 */
export function applyDelta(manifest, delta) {
  if (manifest.miniProgram !== null) {
    throw new DeltaInvalid("a delta applies to a partner app's manifest, not to a program's");
  }
  if (delta.partnerApp !== manifest.partnerApp) {
    const [got, held] = [delta.partnerApp, manifest.partnerApp].map((c) => JSON.stringify(c));
    throw new DeltaInvalid(`delta is for partner app ${got}, not ${held}`);
  }
  if (delta.since !== manifest.serial) {
    throw new DeltaInvalid(
      `delta starts at serial ${delta.since}, the manifest in use is at ${manifest.serial}: ` +
        "fetch the full manifest",
    );
  }
  const miniPrograms = new Map(manifest.miniPrograms);
  for (const [appId, entry] of delta.changes) {
    if (entry === null) miniPrograms.delete(appId);
    else miniPrograms.set(appId, entry);
  }
  if (miniPrograms.size !== delta.count) {
    throw new DeltaInvalid(
      `delta gives ${miniPrograms.size} mini programs where serial ${delta.serial} lists ` +
        `${delta.count}: fetch the full manifest`,
    );
  }
  return { partnerApp: manifest.partnerApp, serial: delta.serial, miniPrograms, miniProgram: null };
}

/**
 * The manifest that follows `current` from `body`, the answer to `?since=` its serial: a
 * delta applied to it, or a full manifest of the same partner app (and mini program) no
 * older than it. Throws KeyInvalid, ManifestInvalid (DeltaInvalid: a delta that does not
 * start at `current`'s serial; StaleManifest: an older full manifest), SignatureInvalid:
 * keep `current`.
 */
export function loadUpdate(body, keys, current) {
  const data = verifyEnvelope(parseEnvelope(body), keys);
  if (data.kind === KIND) return applyDelta(current, parseDelta(data));
  return acceptManifest(data, {
    partnerApp: current.partnerApp,
    minSerial: current.serial,
    appId: current.miniProgram,
  });
}
