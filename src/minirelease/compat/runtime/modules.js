// The package's module loader for the smoke test: CommonJS over the package's files, ES
// modules included (esm.py rewrote them to it, line for line, calling the `__esm` helper
// below), `.json` files as their parsed value. It resolves nothing itself: the job resolved
// every literal specifier with the lab's one resolver and sent the answers as a manifest
// (scripts.py); a specifier computed at run time is joined to the requiring file's folder
// and looked up among the package paths the manifest lists.
// Package code runs in functions evaluated here, each under a sourceURL naming its file, so
// that stack frames map back to package paths (pathOf). sandbox.js drives it.
const __modules = (function () {
  "use strict";
  const MANIFEST = "\u0000modules";
  const NativeProxy = Proxy;
  const sources = new Map();   // package path → source text
  const byUrl = new Map();     // sourceURL → package path
  const modules = new Map();   // package path → module (cache)
  let manifest = { resolved: {}, paths: {}, esm: [], errors: {} };
  let esm = new Set();
  let loading = null;          // the package path being evaluated, for errors without a frame
  let failed = null;           // a module that failed to compile, with no line to point at

  const own = (object, key) => object != null && Object.prototype.hasOwnProperty.call(object, key);
  const urlOf = (path) => path.replace(/[\s()]/g, "_");
  function notFound(request, from) {
    const error = new Error("Cannot find module '" + request + "' from '" + from + "'");
    error.code = "MODULE_NOT_FOUND";
    return error;
  }
  // An error placed at a package position (V8 gives none: hoisted imports, syntax errors).
  function placed(error, path, line, column) {
    error.stack = String(error.name) + ": " + String(error.message) + "\n    at " + urlOf(path) + ":" + line + ":" + column;
    return error;
  }

  function join(from, request) {
    const parts = request.startsWith("/") ? [] : from.split("/").slice(0, -1);
    for (const part of request.split("/")) {
      if (part === "..") { if (parts.length === 0) return null; parts.pop(); }
      else if (part !== "." && part !== "") parts.push(part);
    }
    return parts.join("/");
  }
  function resolve(from, request) {
    const table = manifest.resolved[from];
    if (own(table, request)) {
      if (table[request] !== null && sources.has(table[request])) return table[request];
      throw notFound(request, from);
    }
    if (/^\.\.?(\/|$)|^\//.test(request)) {  // computed at run time: relative or root-absolute
      const key = join(from, request);
      if (key !== null && own(manifest.paths, key) && sources.has(manifest.paths[key])) return manifest.paths[key];
    }
    throw notFound(request, from);
  }

  function compileError(error, path) {
    if (!(error instanceof SyntaxError)) return error;
    const known = manifest.errors[path];
    if (known) {
      // The rewrite leaves a file that does not parse as it is; V8 then names its module
      // syntax instead of the real error, which the parser's message says better.
      const artifact = /outside a module|Unexpected token 'export'|import\.meta/.test(error.message);
      return placed(new SyntaxError(artifact ? known.message : error.message), path, known.line, known.column);
    }
    failed = path;  // no line known; loading() names the file instead of its importer
    error.stack = "SyntaxError: " + error.message;
    return error;
  }
  function evaluate(module, path) {
    if (path.endsWith(".json")) {
      try { module.exports = JSON.parse(sources.get(path)); } catch (error) { throw compileError(error, path); }
      return;
    }
    let factory;
    try {
      factory = (0, eval)("(function (exports, require, module, __filename, __dirname, __esm) {" +
        sources.get(path) + "\n})\n//# sourceURL=" + urlOf(path));
    } catch (error) { throw compileError(error, path); }
    const require = (request) => load(resolve(path, String(request)));
    factory.call(esm.has(path) ? undefined : module.exports, module.exports, require, module, path,
                 path.split("/").slice(0, -1).join("/"), helper(module, path));
  }
  function load(path) {
    if (modules.has(path)) return modules.get(path).exports;
    const module = { exports: {}, namespace: null };
    modules.set(path, module);
    const previous = loading;
    loading = path;
    failed = null;
    let done = false;
    try {
      evaluate(module, path);
      done = true;
    } finally {
      loading = previous;
      if (!done) modules.delete(path);  // as Node: a module that threw is loaded afresh next time
    }
    return module.exports;
  }

  // What an import sees: an ES module's exports, or a CommonJS module's as a namespace whose
  // default is module.exports and whose names read its properties, live.
  function namespaceOf(path) {
    const exports = load(path);
    if (exports !== null && (typeof exports === "object" || typeof exports === "function") && exports.__esModule) return exports;
    const module = modules.get(path);
    if (module.namespace === null) module.namespace = commonjsNamespace(module);
    return module.namespace;
  }
  function commonjsNamespace(module) {
    const value = (key) => key === "default" ? module.exports : (module.exports == null ? undefined : module.exports[key]);
    const keys = () => {
      const exports = module.exports;
      const names = exports !== null && (typeof exports === "object" || typeof exports === "function") ? Object.keys(exports) : [];
      return names.includes("default") ? names : [...names, "default"];
    };
    return new NativeProxy(Object.create(null), {
      get: (_, key) => value(key),
      has: (_, key) => keys().includes(key),
      ownKeys: () => keys(),
      getOwnPropertyDescriptor: (_, key) => keys().includes(key) ? { value: value(key), writable: false, enumerable: true, configurable: true } : undefined,
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    });
  }
  // The `__esm` of one module: what its rewritten import and export statements call.
  function helper(module, path) {
    return Object.freeze({
      exports(getters) {
        Object.defineProperty(module.exports, "__esModule", { value: true });
        for (const name of Object.keys(getters)) {
          Object.defineProperty(module.exports, name, { enumerable: true, configurable: true, get: getters[name] });
        }
      },
      import(request, line, column) {
        let target;
        try { target = resolve(path, request); } catch (error) { throw placed(error, path, line, column); }
        return namespaceOf(target);
      },
      star(namespace) {
        for (const name of Object.keys(namespace)) {
          if (name === "default" || name === "__esModule" || own(module.exports, name)) continue;
          Object.defineProperty(module.exports, name, { enumerable: true, configurable: true, get: () => namespace[name] });
        }
      },
      // import(x): the module is loaded after the current job, its namespace the promise's
      // value; the promise is the sandbox's own (tracked) Promise.
      dynamic(request) {
        return globalThis.Promise.resolve().then(() => namespaceOf(resolve(path, String(request))));
      },
    });
  }

  return Object.freeze({
    addFile(path, source) {
      if (path === MANIFEST) {
        manifest = JSON.parse(source);
        esm = new Set(manifest.esm);
        return;
      }
      sources.set(path, source);
      byUrl.set(urlOf(path), path);
    },
    has: (path) => sources.has(path),
    load,
    // The my.* names the package assigns itself somewhere (my.backend = …).
    programDefined: () => manifest.defined || [],
    // Pages a user opens without a query (the first page, the tab bar's).
    openedBare: (page) => (manifest.opened_bare || []).includes(page),
    // The package path a stack frame's URL names, or undefined for host code.
    pathOf: (url) => byUrl.get(url),
    // The module being evaluated; else, once, one whose code did not compile at a known line.
    loading: () => {
      if (loading !== null) return loading;
      const path = failed;
      failed = null;
      return path;
    },
  });
})();
