// Runs sdk/js for the Python tests (tests/resolver/test_js_sdk.py): reads one request, a JSON
// file named on the command line, and writes the answer as JSON on stdout. Copied next to
// the SDK's src/ in a temporary folder where its npm dependencies are installed.

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

function resolveAll() {
  try {
    const resolver = Resolver.fromEnvelope(request.envelope, KeySet.fromDocument(request.keys), {
      partnerApp: request.partner_app ?? null,
      minSerial: request.min_serial ?? null,
      baseUrl: request.base_url ?? null,
    });
    const answers = {};
    for (const appId of request.app_ids) {
      answers[appId] = request.user_ids.map((userId) => answer(resolver, appId, userId));
    }
    return { serial: resolver.serial, answers };
  } catch (error) {
    if (error instanceof ResolverError) return { error: error.code, detail: error.detail };
    throw error;
  }
}

const operations = {
  buckets: () => ({ buckets: request.cases.map(([release, user]) => bucket(release, user)) }),
  canonicalize: () => ({ texts: request.values.map((value) => canonicalize(value)) }),
  resolve: resolveAll,
};

process.stdout.write(JSON.stringify(operations[request.op]()));
