// The `my` object of one cell, built from the JSAPI table (jsapi_table.json, embedded as
// __jsapiTable) and the partner app's profile: exactly the offered JSAPIs (plus what every
// base library has), network calls answered as the cell's network would on the virtual
// clock, every call recorded. An API the app does not offer reads as undefined, as on a
// device, so run-time guards work; each such read is remembered with its place, and a
// crash at that place is an unsupported call (unsupportedCall), not a runtime exception.
function __smokeMy(config, host) {
  "use strict";
  const table = __jsapiTable;
  const offered = new Set(config.jsapis);
  const network = config.network;
  const storage = new Map();
  const touched = new Set();                   // my API names read or asked about
  const unsupportedReads = new Map();          // "file:line" → Map(api → column)
  const unsupportedInFile = new Map();         // file → Set(api)
  // Names the package assigns on `my` itself, read before (or without) being set: where
  // they are read, a crash is the program's, or a knock-on of an unsupported call.
  const programDefined = __modules.programDefined();
  const unsetReads = new Set();                // "file:line"
  const counts = { answered: 0 };
  const NETWORK_ERROR = { error: 12, errorMessage: "network error" };
  const TIMEOUT_ERROR = { error: 13, errorMessage: "timeout" };
  let seed = 0x2545f491; // a fixed seed: the same package and network always lose the same calls
  function lossDraw() {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const available = (api) => offered.has(api) || (table[api] && table[api].always === true);
  const isNamespace = (api) => [...offered].some((name) => name.startsWith(api + "."));

  // A result template of the table made into a fresh value.
  function build(template) {
    if (Array.isArray(template)) return template.map(build);
    if (template === null || typeof template !== "object") return template;
    if ("$unknown" in template) return __smokeValues.unknown(template.$unknown);
    if ("$chain" in template) return chain(template.$chain);
    if (template.$object === "eventChannel") return __smokeValues.eventChannel();
    if (template.$object === "selectorQuery") return selectorQuery();
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, build(value)]));
  }
  const storageKey = (o) => String(o !== null && typeof o === "object" ? o.key : o);
  const handlers = {
    canIUse(name) {
      const parts = String(name).split(".");
      let api = "my." + parts[0];
      for (let n = parts.length; n > 1; n--) {
        const candidate = "my." + parts.slice(0, n).join(".");
        if (candidate in table || offered.has(candidate)) { api = candidate; break; }
      }
      touched.add(api);
      const asked = "my." + String(name);
      return available(asked) || available("my." + parts[0]) || isNamespace(asked);
    },
    getStorageSync: (o) => ({ data: storage.has(storageKey(o)) ? JSON.parse(storage.get(storageKey(o))) : null }),
    setStorageSync(o) { storage.set(storageKey(o), JSON.stringify((o && o.data) ?? null) ?? "null"); },
    removeStorageSync(o) { storage.delete(storageKey(o)); },
    clearStorageSync() { storage.clear(); },
    getStorageInfoSync: () => ({ keys: [...storage.keys()], currentSize: 0, limitSize: 10240 }),
    getStorage: (o) => handlers.getStorageSync(o),
    setStorage: (o) => (handlers.setStorageSync(o), {}),
    removeStorage: (o) => (handlers.removeStorageSync(o), {}),
    clearStorage: () => (storage.clear(), {}),
    getStorageInfo: () => handlers.getStorageInfoSync(),
    getNetworkType: () => ({ networkAvailable: !network.offline,
      networkType: network.offline ? "NOTREACHABLE" : String(network.name).toUpperCase() }),
  };

  // Answers through success/fail/complete callbacks, or a promise when none is given.
  function answer(options, delay, failure, value, promised = true, counted = false) {
    const callbacks = !promised || ["success", "fail", "complete"].some((k) => typeof options[k] === "function");
    let settle = null;
    const promise = callbacks ? null : new host.TrackedPromise((resolve, reject) => { settle = { resolve, reject }; });
    host.schedule(() => {
      if (counted) counts.answered += 1;
      if (callbacks) {
        if (failure) { if (typeof options.fail === "function") options.fail(failure); }
        else if (typeof options.success === "function") options.success(value);
        if (typeof options.complete === "function") options.complete(failure || value);
      } else if (failure) settle.reject(failure);
      else settle.resolve(value);
    }, delay, [], false);
    return promise;
  }
  function networkCall(entry, options) {
    let failure = null;
    let delay = network.rtt_ms + (entry.bytes * 8) / Math.max(network.bandwidth_kbps, 1);
    if (network.offline) { failure = NETWORK_ERROR; delay = 0; }
    else if (network.loss > 0 && lossDraw() < network.loss) failure = NETWORK_ERROR;
    else if (typeof options.timeout === "number" && options.timeout < delay) { failure = TIMEOUT_ERROR; delay = options.timeout; }
    // A socket never answers with a promise: it returns its SocketTask, as on the devices.
    const promise = answer(options, delay, failure, build(entry.success), !entry.callbacks_only, true);
    return promise || build(entry.returns);
  }

  // Animations, contexts, managers: every method chains unless the table says what it
  // returns (values), answers through callbacks (answers) or calls back at once (callbacks).
  function chain(spec) {
    const properties = Object.assign({}, spec.properties);
    const proxy = new Proxy({}, {
      get(_, key) {
        if (typeof key === "symbol" || key === "then" || key === "toJSON") return undefined;
        if (key in properties) return properties[key];
        if (spec.values && key in spec.values) return () => build(spec.values[key]);
        if (spec.answers && key in spec.answers) {
          return (o) => answer(o !== null && typeof o === "object" ? o : {}, 0, null, build(spec.answers[key]));
        }
        if (spec.callbacks && key in spec.callbacks) {
          return (fn) => { if (typeof fn === "function") host.schedule(fn, 0, [build(spec.callbacks[key])], false); };
        }
        return () => proxy;
      },
      set(_, key, value) { properties[key] = value; return true; },
    });
    return proxy;
  }

  // my.createSelectorQuery(): exec calls back with one result per query made, in order.
  function selectorQuery() {
    const queries = [];
    const { windowWidth: width, windowHeight } = table["my.getSystemInfoSync"].returns;
    // A node is a full-width bar; the viewport is the window.
    const rect = (viewport) => {
      const height = viewport ? windowHeight : 44;
      return { id: "", dataset: {}, left: 0, top: 0, right: width, bottom: height, width, height };
    };
    const scroll = () => ({ id: "", dataset: {}, scrollLeft: 0, scrollTop: 0, scrollWidth: width, scrollHeight: windowHeight });
    const one = {
      boundingClientRect: (viewport) => rect(viewport),
      scrollOffset: () => scroll(),
      fields: (viewport, fields) => Object.assign({ id: "", dataset: {} },
        fields && (fields.rect || fields.size) ? rect(viewport) : {},
        fields && fields.scrollOffset ? scroll() : {},
        fields && fields.node ? { node: chain({}) } : {},
        fields && fields.context ? { context: chain({}) } : {},
        fields && Array.isArray(fields.properties) ? Object.fromEntries(fields.properties.map((p) => [p, null])) : {},
        fields && Array.isArray(fields.computedStyle) ? Object.fromEntries(fields.computedStyle.map((p) => [p, ""])) : {}),
      node: () => ({ node: chain({}) }),
      context: () => ({ context: chain({}) }),
    };
    const query = {
      select: (selector) => nodes("one", selector),
      selectAll: (selector) => nodes("all", selector),
      selectViewport: () => nodes("viewport", "viewport"),
      in: () => query,
      exec(callback) {
        host.schedule(() => {
          const results = queries.map(({ mode, kind, args }) => {
            const made = () => one[kind](mode === "viewport", kind === "fields" ? args[0] : undefined);
            return mode === "all" ? [made()] : made();
          });
          queries.forEach((made, index) => { if (typeof made.callback === "function") made.callback(results[index]); });
          if (typeof callback === "function") callback(results);
        }, 0, [], false);
        return query;
      },
    };
    function nodes(mode) {
      const ref = {};
      for (const kind of Object.keys(one)) {
        ref[kind] = (...args) => {
          queries.push({ mode, kind, args, callback: args.find((arg) => typeof arg === "function") });
          return query;
        };
      }
      return ref;
    }
    return query;
  }

  // What an API not in the table does: its name says what kind it is.
  function guessed(short) {
    if (/^(on|off)[A-Z]/.test(short)) return { kind: "event" };
    if (/^create[A-Z]/.test(short) || /^get\w*(Manager|Context)$/.test(short)) {
      return { kind: "factory", returns: { $chain: {} } };
    }
    if (/Sync$/.test(short)) return { kind: "sync", returns: { $unknown: "data" } };
    return { kind: "async", success: { $unknown: "data" } };
  }
  function implementation(api) {
    const entry = table[api] || guessed(api.slice(api.lastIndexOf(".") + 1));
    if (entry.kind === "value") return build(entry.value);
    const handler = entry.handler && handlers[entry.handler];
    return function (options) {
      const call = { api, at: host.now() };
      host.calls.push(call);
      const args = options !== null && typeof options === "object" ? options : {};
      if (entry.kind === "network") {
        const at = host.where(new Error().stack) || {};
        Object.assign(call, { url: typeof args.url === "string" ? String(args.url) : null,
                              file: at.file ?? null, line: at.line ?? null, column: at.column ?? null });
        return networkCall(entry, args);
      }
      if (entry.kind === "event") return undefined;
      if (entry.kind === "factory") return build(entry.returns);
      if (entry.kind === "sync") return handler ? handler(...arguments) : build(entry.returns);
      if (entry.handler === "call") { // my.call(name, params, callback)
        const callback = [...arguments].find((arg) => typeof arg === "function");
        if (callback) { host.schedule(callback, 0, [build(entry.success)], false); return undefined; }
        return answer({}, 0, null, build(entry.success));
      }
      return answer(args, 0, null, handler ? handler(options) : build(entry.success));
    };
  }

  function ownedByProgram(api) {
    return programDefined.some((name) => api === name || api.startsWith(name + "."));
  }

  function rememberUnsupportedRead(api, at) {
    if (!at) return; // read by the host, not the package
    const key = at.file + ":" + at.line;
    if (!unsupportedReads.has(key)) unsupportedReads.set(key, new Map());
    unsupportedReads.get(key).set(api, at.column);
    if (!unsupportedInFile.has(at.file)) unsupportedInFile.set(at.file, new Set());
    unsupportedInFile.get(at.file).add(api);
  }

  // The object behind `my` and each namespace (my.ap): what the program stores on it is
  // its own (a program's my.fncontext is not the host's), then offered APIs, else undefined.
  function apiObject(prefix) {
    const made = new Map();
    const lookup = (api) => {
      if (!made.has(api)) made.set(api, available(api) ? implementation(api) : isNamespace(api) ? apiObject(api) : undefined);
      return made.get(api);
    };
    const topNames = () => [...offered].filter((api) => api.startsWith(prefix + "."))
      .map((api) => api.slice(prefix.length + 1).split(".")[0]);
    return new Proxy({}, {
      get(target, name) {
        if (typeof name === "symbol" || Object.prototype.hasOwnProperty.call(target, name)) return target[name];
        if (name === "then" || name === "toJSON") return undefined;
        const api = prefix + "." + name;
        touched.add(api);
        const value = lookup(api);
        if (value === undefined) {
          const at = host.where(new Error().stack);
          if (!ownedByProgram(api)) rememberUnsupportedRead(api, at);
          else if (at) unsetReads.add(at.file + ":" + at.line);
        }
        return value;
      },
      has(target, name) {
        if (name in target || typeof name !== "string") return name in target;
        touched.add(prefix + "." + name); // `'scan' in my` asks as my.canIUse does
        return lookup(prefix + "." + name) !== undefined;
      },
      ownKeys: (target) => [...new Set([...Reflect.ownKeys(target), ...topNames()])],
      getOwnPropertyDescriptor(target, name) {
        const own = Reflect.getOwnPropertyDescriptor(target, name);
        if (own || typeof name === "symbol" || !topNames().includes(name)) return own;
        return { value: lookup(prefix + "." + name), writable: true, enumerable: true, configurable: true };
      },
    });
  }

  // An uncaught TypeError whose innermost package frame is where an unsupported API was
  // read is that API's call: recorded as such (true), not reported as an exception.
  function unsupportedCall(error) {
    if (!(error instanceof TypeError)) return false;
    const at = host.where(error.stack);
    if (!at) return false;
    // my.backend.call() where the program's my.backend was never set because the
    // unsupported call that makes it failed: that call is the finding, not this crash.
    if (unsetReads.has(at.file + ":" + at.line) && host.calls.some((call) => call.unsupported)) return true;
    const message = String(error.message);
    const tail = (name) => name.slice(name.lastIndexOf(".") + 1);
    const called = /^(.*) is not a (function|constructor)$/.exec(message);
    const member = /^Cannot (read|set) properties of undefined \((reading|setting) '([^']*)'\)$/.exec(message);
    const other = /is not iterable|Cannot destructure/.test(message);
    const reads = [...(unsupportedReads.get(at.file + ":" + at.line) || [])].map(([api, column]) => ({ api, column }));
    // my.scanCode() names the API; my[name]() does not, and is the last read of the line.
    let read = called ? reads.find((r) => tail(r.api) === tail(called[1])) : undefined;
    if (!read && (called ? called[1].endsWith("]") : member || other)) read = reads[reads.length - 1];
    // const { scan } = my; … scan(): the API of that name the file read, called here.
    if (!read && called && /^[\w$]+$/.test(called[1])) {
      const api = [...(unsupportedInFile.get(at.file) || [])].find((name) => tail(name) === called[1]);
      if (api) read = { api, column: at.column };
    }
    if (!read) return false;
    const api = member && member[1] === "read" ? read.api + "." + member[3] : read.api;
    host.calls.push({ api, at: host.now(), unsupported: true, file: at.file, line: at.line, column: read.column });
    return true;
  }

  return {
    my: apiObject("my"),
    unsupportedCall,
    touched: () => [...touched].sort(),
    answered: () => counts.answered,
  };
}
