// The `my` object of one cell: exactly the partner app's JSAPIs (plus my.canIUse, which every
// base library has), network calls answered as the cell's network would on the virtual
// clock, plausible stub data for the rest, and every call recorded.
function __smokeMy(config, host) {
  "use strict";
  const offered = new Set(config.jsapis);
  const network = config.network;
  const storage = new Map();
  const NETWORK_ERROR = { error: 12, errorMessage: "network error" };
  const TIMEOUT_ERROR = { error: 13, errorMessage: "timeout" };
  // Response sizes the lab assumes for delay = rtt + size / bandwidth.
  const BYTES = { request: 2048, httpRequest: 2048, downloadFile: 102400, uploadFile: 102400, connectSocket: 256 };
  let seed = 0x2545f491; // a fixed seed: the same package and network always lose the same calls
  function lossDraw() {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const systemInfo = () => ({ brand: "lab", model: "lab", pixelRatio: 2, windowWidth: 375, windowHeight: 667,
    screenWidth: 375, screenHeight: 667, language: "zh-Hans", version: "10.5.0", platform: "Android",
    system: "14", storage: "64 GB", currentBattery: "80%", app: "lab" });
  const sync = {
    canIUse: (name) => offered.has("my." + String(name)) || offered.has("my." + String(name).split(".")[0]),
    getStorageSync: (o) => ({ data: storage.has(String(o && o.key)) ? JSON.parse(storage.get(String(o.key))) : null }),
    setStorageSync: (o) => { storage.set(String(o && o.key), JSON.stringify((o && o.data) ?? null)); },
    removeStorageSync: (o) => { storage.delete(String(o && o.key)); },
    clearStorageSync: () => { storage.clear(); },
    getStorageInfoSync: () => ({ keys: [...storage.keys()], currentSize: 0, limitSize: 10240 }),
    getSystemInfoSync: systemInfo,
  };
  const results = {
    getStorage: (o) => sync.getStorageSync(o), setStorage: (o) => (sync.setStorageSync(o), {}),
    removeStorage: (o) => (sync.removeStorageSync(o), {}), clearStorage: () => (storage.clear(), {}),
    getStorageInfo: () => sync.getStorageInfoSync(), getSystemInfo: systemInfo,
    getNetworkType: () => ({ networkAvailable: !network.offline, networkType: network.offline ? "NOTREACHABLE" : network.name.toUpperCase() }),
  };
  // Answers through success/fail/complete callbacks, or a promise when none is given.
  // A socket never answers with a promise: it returns its SocketTask, as on the devices.
  function answer(options, delay, failure, value, promised = true) {
    const callbacks = !promised || ["success", "fail", "complete"].some((k) => typeof options[k] === "function");
    let settle = null;
    const promise = callbacks ? null : new host.TrackedPromise((resolve, reject) => { settle = { resolve, reject }; });
    host.schedule(() => {
      if (callbacks) {
        if (failure) { if (typeof options.fail === "function") options.fail(failure); }
        else if (typeof options.success === "function") options.success(value);
        if (typeof options.complete === "function") options.complete(failure || value);
      } else if (failure) settle.reject(failure);
      else settle.resolve(value);
    }, delay, [], false);
    return promise;
  }
  function networkCall(api, options) {
    let failure = null;
    let delay = network.rtt_ms + (BYTES[api] * 8) / Math.max(network.bandwidth_kbps, 1);
    if (network.offline) { failure = NETWORK_ERROR; delay = 0; }
    else if (network.loss > 0 && lossDraw() < network.loss) failure = NETWORK_ERROR;
    else if (typeof options.timeout === "number" && options.timeout < delay) { failure = TIMEOUT_ERROR; delay = options.timeout; }
    const value = api === "connectSocket" ? {} : api === "downloadFile" ? { tempFilePath: "temp://lab/download", statusCode: 200 }
      : api === "uploadFile" ? { data: "", statusCode: 200 } : { data: {}, status: 200, headers: {} };
    if (api === "connectSocket") {
      answer(options, delay, failure, value, false);
      return { send() {}, close() {}, onOpen() {}, onMessage() {}, onError() {}, onClose() {} };
    }
    const promise = answer(options, delay, failure, value);
    const task = { abort() {}, onProgressUpdate() {}, offProgressUpdate() {} };
    return promise || task;
  }
  function chain() { // selector queries, animations, contexts: every method chains
    const proxy = new Proxy(function () {}, {
      get: (_, name) => (name === "then" || typeof name === "symbol" ? undefined
        : name === "exec" ? (cb) => { if (typeof cb === "function") host.schedule(cb, 0, [[]], false); } : () => proxy),
    });
    return proxy;
  }
  function implementation(api) {
    const short = api.slice(3);
    return function (options) {
      host.calls.push({ api, at: host.now() });
      const args = options !== null && typeof options === "object" ? options : {};
      if (short in BYTES) return networkCall(short, args);
      if (short in sync) return sync[short](options, ...Array.prototype.slice.call(arguments, 1));
      if (/^(on|off)[A-Z]/.test(short)) return undefined;
      if (/^create[A-Z]/.test(short) || /^get\w*(Manager|Context)$/.test(short)) return chain();
      if (/Sync$/.test(short)) return {};
      return answer(args, 0, null, short in results ? results[short](args) : {});
    };
  }
  // Calling it throws as on a device, and is recorded; its members are unsupported JSAPIs
  // too, so that my.ap.navigateToAlipayPage() names the API the package asked for.
  function unsupported(api) {
    const members = new Map();
    return new Proxy(function () {}, {
      apply() {
        const at = host.where(new Error().stack) || {};
        host.calls.push({ api, at: host.now(), unsupported: true, file: at.file ?? null, line: at.line ?? null, column: at.column ?? null });
        const error = new TypeError(api + " is not a function");
        host.jsapiErrors.add(error);
        throw error;
      },
      get(_, name) {
        if (typeof name === "symbol" || name === "then" || name === "toJSON" || name === "prototype") return undefined;
        if (!members.has(name)) members.set(name, unsupported(api + "." + name));
        return members.get(name);
      },
      set: () => false,
    });
  }
  function namespace(prefix) {
    const made = new Map();
    return new Proxy(Object.create(null), {
      get(_, name) {
        if (typeof name === "symbol" || name === "then" || name === "toJSON") return undefined;
        const api = prefix + "." + name;
        if (!made.has(api)) {
          made.set(api, offered.has(api) || api === "my.canIUse" ? implementation(api)
            : [...offered].some((o) => o.startsWith(api + ".")) ? namespace(api) : unsupported(api));
        }
        return made.get(api);
      },
      has: (_, name) => offered.has(prefix + "." + String(name)) || prefix + "." + String(name) === "my.canIUse",
      set: () => false,
    });
  }
  return namespace("my");
}
