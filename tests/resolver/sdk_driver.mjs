// Runs sdk/js for the Python tests (tests/resolver/test_js_sdk*.py): reads one request, a
// JSON file named on the command line, and writes the answer as JSON on stdout. Copied next
// to the SDK's src/ in a temporary folder where its npm dependencies are installed.

import { readFileSync } from "node:fs";

import canonicalize from "canonicalize";

import { KeySet, ResolverError, Resolver, bucket } from "./src/index.js";

const request = JSON.parse(readFileSync(process.argv[2], "utf8"));

// A decision in the shape of GET /launch's answer, or the refusal's code.
function answer(resolver, appId, userId) {
  try {
    const decision = resolver.resolve(appId, userId);
    return {
      app_id: appId,
      partner_app: resolver.partnerApp,
      version: decision.version,
      channel: decision.channel,
      release_id: decision.releaseId,
      package: {
        url: decision.package.url,
        sha256: decision.package.sha256,
        size: decision.package.size,
        signature: decision.package.signature,
        key_id: decision.package.keyId,
      },
    };
  } catch (error) {
    if (error instanceof ResolverError) return error.code;
    throw error;
  }
}

// A manifest in its wire form (as the server writes it), to compare with a served one.
function wire(manifest) {
  const pkg = (p) => ({
    release_id: p.releaseId,
    version: p.version,
    sha256: p.sha256,
    size: p.size,
    signature: p.signature,
    key_id: p.keyId,
    url: p.url,
  });
  const programs = {};
  for (const [appId, entry] of manifest.miniPrograms) {
    const candidate = entry.candidate;
    programs[appId] = {
      removed: entry.removed,
      online: entry.online === null ? null : pkg(entry.online),
      candidate:
        candidate === null
          ? null
          : {
              ...pkg(candidate.package),
              state: candidate.state,
              basis_points: candidate.basisPoints,
              halted: candidate.halted,
              tester_salt: candidate.testerSalt,
              testers: [...candidate.testers].sort(),
            },
    };
  }
  const scope = manifest.miniProgram === null ? {} : { mini_program: manifest.miniProgram };
  return {
    format: 1,
    partner_app: manifest.partnerApp,
    ...scope,
    serial: manifest.serial,
    mini_programs: programs,
  };
}

// Loads the envelope (scoped to `app_id` if given), applies each of `updates` (answers to
// ?since=) in turn, and answers for every app id and user; or the refusal, with how many
// updates were applied before it.
function resolveAll() {
  let applied = 0;
  try {
    const keys = KeySet.fromDocument(request.keys);
    let resolver = Resolver.fromEnvelope(request.envelope, keys, {
      partnerApp: request.partner_app ?? null,
      minSerial: request.min_serial ?? null,
      baseUrl: request.base_url ?? null,
      appId: request.app_id ?? null,
    });
    for (const update of request.updates ?? []) {
      resolver = resolver.applyDelta(update, keys);
      applied += 1;
    }
    const answers = {};
    for (const appId of request.app_ids) {
      answers[appId] = request.user_ids.map((userId) => answer(resolver, appId, userId));
    }
    return { serial: resolver.serial, answers, manifest: wire(resolver.manifest) };
  } catch (error) {
    if (!(error instanceof ResolverError)) throw error;
    return { error: error.code, detail: error.detail, applied };
  }
}

const operations = {
  buckets: () => ({ buckets: request.cases.map(([release, user]) => bucket(release, user)) }),
  canonicalize: () => ({ texts: request.values.map((value) => canonicalize(value)) }),
  resolve: resolveAll,
};

process.stdout.write(JSON.stringify(operations[request.op]()));
