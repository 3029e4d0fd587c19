// The package's module loader for the smoke test: CommonJS over the package's files only.
// Package code runs in functions evaluated here, each under a sourceURL naming its file, so
// that stack frames map back to package paths (pathOf). sandbox.js drives it.
const __modules = (function () {
  "use strict";
  const sources = new Map();   // package path → source text
  const byUrl = new Map();     // sourceURL → package path
  const modules = new Map();   // package path → module (cache)
  let loading = null;          // the package path being evaluated, for errors without a frame

  function resolve(from, request) {
    if (!request.startsWith("./") && !request.startsWith("../") && !request.startsWith("/")) {
      throw new Error("Cannot find module '" + request + "': only files of the package can be required");
    }
    const parts = request.startsWith("/") ? [] : from.split("/").slice(0, -1);
    for (const part of request.split("/")) {
      if (part === "..") { if (parts.length === 0) throw new Error("Cannot find module '" + request + "' outside the package"); parts.pop(); }
      else if (part !== "." && part !== "") parts.push(part);
    }
    const path = parts.join("/");
    for (const candidate of [path, path + ".js", path + "/index.js"]) if (sources.has(candidate)) return candidate;
    throw new Error("Cannot find module '" + request + "' from '" + from + "'");
  }
  function load(path) {
    if (modules.has(path)) return modules.get(path).exports;
    const module = { exports: {} };
    modules.set(path, module);
    const url = path.replace(/[\s()]/g, "_");
    byUrl.set(url, path);
    const factory = (0, eval)("(function (exports, require, module, __filename, __dirname) {" +
      sources.get(path) + "\n})\n//# sourceURL=" + url);
    const previous = loading;
    loading = path;
    try {
      factory.call(module.exports, module.exports, (request) => load(resolve(path, String(request))),
                   module, path, path.split("/").slice(0, -1).join("/"));
    } finally { loading = previous; }
    return module.exports;
  }
  return Object.freeze({
    addFile(path, source) { sources.set(path, source); },
    has: (path) => sources.has(path),
    load,
    // The package path a stack frame's URL names, or undefined for host code.
    pathOf: (url) => byUrl.get(url),
    loading: () => loading,
  });
})();
