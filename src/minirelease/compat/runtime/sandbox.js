// The host a mini program runs in during the smoke test: App/Page/Component over the
// package's modules (modules.js), a virtual clock behind setTimeout, promises that know
// whether anyone handled their rejection, and the `my` object (my.js). Package code sees
// no host object: nothing here calls out of the engine. Python drives it step by step.
const __smoke = (function () {
  "use strict";
  const NativePromise = Promise;
  const events = [];           // findings-to-be: {kind, file, line, column, message}
  const calls = [];            // every my.* call: {api, at}
  const timers = [];
  const pending = new Set();   // tracked promises rejected with no handler yet
  const jsapiErrors = new WeakSet();
  const state = { now: 0, seq: 0, app: null, appOptions: null, pages: [], loading: null };
  let config = null;
  Error.stackTraceLimit = 64;
  delete Atomics.waitAsync; // real-time callbacks would run outside the step budgets

  function where(stack) {
    for (const line of String(stack || "").split("\n")) {
      const m = /\(?(\S+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
      const file = m && line.trim().startsWith("at ") ? __modules.pathOf(m[1]) : undefined;
      if (file !== undefined) {
        return { file, line: Number(m[2]), column: Number(m[3]) };
      }
    }
    return null;
  }
  function describe(value) {
    if (value instanceof Error) return String(value.name) + ": " + String(value.message);
    try { return JSON.stringify(value) ?? String(value); } catch (_) { return String(value); }
  }
  function report(kind, value, fallback, context) {
    if (value instanceof Error && jsapiErrors.has(value)) return; // reported as jsapi-unsupported
    const at = (value instanceof Error && where(value.stack)) || fallback || { file: __modules.loading() ?? state.loading };
    events.push({ kind, file: at.file ?? null, line: at.line ?? null, column: at.column ?? null,
                  message: describe(value).slice(0, 300) + " (" + context + ")" });
  }
  function guarded(context, fn) {
    try { return fn(); } catch (error) { report("exception", error, null, context); }
  }

  // Promises: a rejection nobody handled by the next step is reported.
  class TrackedPromise extends NativePromise {
    constructor(executor) {
      const origin = where(new Error().stack);
      let self = null;
      super((resolve, reject) => executor(resolve, (reason) => {
        if (self !== null && !self.__handled) pending.add({ promise: self, reason, origin });
        else if (self === null) NativePromise.resolve().then(() => {
          if (!self.__handled) pending.add({ promise: self, reason, origin });
        });
        reject(reason);
      }));
      self = this;
      Object.defineProperty(this, "__handled", { value: false, writable: true });
    }
    then(onFulfilled, onRejected) {
      this.__handled = true;
      return super.then(onFulfilled, onRejected);
    }
  }
  globalThis.Promise = TrackedPromise;
  function sweepRejections() {
    for (const entry of [...pending]) {
      pending.delete(entry);
      if (!entry.promise.__handled) report("rejection", entry.reason, entry.origin, "unhandled rejection");
    }
  }
  // Async functions return the engine's own promises; the loader rewrites them to this.
  function trackAsync(promise) {
    return new TrackedPromise((resolve, reject) => NativePromise.prototype.then.call(promise, resolve, reject));
  }

  // Virtual clock.
  function schedule(fn, delay, args, repeat) {
    const id = ++state.seq;
    const wait = Math.max(0, Number(delay) || 0);
    timers.push({ id, due: state.now + wait, fn, args, repeat: repeat ? Math.max(wait, 1) : 0 });
    return id;
  }
  function cancel(id) {
    const index = timers.findIndex((timer) => timer.id === id);
    if (index >= 0) timers.splice(index, 1);
  }
  globalThis.setTimeout = (fn, delay, ...args) => schedule(fn, delay, args, false);
  globalThis.setInterval = (fn, delay, ...args) => schedule(fn, delay, args, true);
  globalThis.clearTimeout = cancel;
  globalThis.clearInterval = cancel;
  function tick(horizon) {
    sweepRejections();
    if (timers.length === 0) return 0;
    let next = 0;
    for (let i = 1; i < timers.length; i++) {
      if (timers[i].due < timers[next].due || (timers[i].due === timers[next].due && timers[i].id < timers[next].id)) next = i;
    }
    const timer = timers[next];
    if (timer.due > horizon) return 0;
    state.now = Math.max(state.now, timer.due);
    if (timer.repeat) timer.due = state.now + timer.repeat; else timers.splice(next, 1);
    if (typeof timer.fn === "function") guarded("in a timer callback", () => timer.fn(...timer.args));
    return 1;
  }

  // The framework.
  function setData(update, callback) {
    for (const [key, value] of Object.entries(update || {})) {
      const keys = key.replace(/\[(\d+)\]/g, ".$1").split(".");
      let target = this.data;
      for (const part of keys.slice(0, -1)) {
        if (target[part] === null || typeof target[part] !== "object") target[part] = {};
        target = target[part];
      }
      target[keys[keys.length - 1]] = value;
    }
    if (typeof callback === "function") schedule(callback, 0, [], false);
  }
  globalThis.App = (options) => { if (state.appOptions === null) state.appOptions = options || {}; };
  globalThis.Page = (options) => { state.pageOptions = options || {}; };
  globalThis.Component = () => {};
  globalThis.getApp = () => state.app;
  globalThis.getCurrentPages = () => state.pages.slice();

  function hook(target, name, args, file, context) {
    const fn = target && target[name];
    if (typeof fn !== "function") return;
    state.loading = file;
    const result = guarded(context, () => fn.apply(target, args));
    // The framework ignores what a hook returns: a tracked promise (async hooks) reports its
    // own unhandled rejection; another thenable is reported here.
    if (result && typeof result.then === "function" && !(result instanceof TrackedPromise)) {
      NativePromise.prototype.then.call(NativePromise.resolve(result), null, (reason) =>
        report("rejection", reason, { file }, context + ", whose promise was rejected"));
    }
  }
  const pagesByPath = new Map();
  return Object.freeze({
    addFile(path, source) { __modules.addFile(path, source); },
    configure(json) { config = JSON.parse(json); globalThis.my = __smokeMy(config, {
      now: () => state.now,
    // Timers due now and still coming: the clock cannot advance, start-up never settles.
    stuck: () => timers.some((timer) => timer.due <= state.now), schedule, calls, jsapiErrors, where, TrackedPromise, guarded }); },
    trackAsync,
    tick,
    now: () => state.now,
    // A step's timers: the first tick and the horizon in one call (one engine round trip
    // fewer per step), then continueDrain until nothing is due before the horizon.
    startDrain(ms) { state.horizon = state.now + ms; return tick(state.horizon); },
    continueDrain() { return tick(state.horizon); },
    // Timers due now and still coming: the clock cannot advance, start-up never settles.
    stuck: () => timers.some((timer) => timer.due <= state.now),
    loadApp() {
      state.loading = "app.js";
      if (__modules.has("app.js")) guarded("while loading app.js", () => __modules.load("app.js"));
      const options = state.appOptions || {};
      state.app = Object.assign(Object.create(options), { globalData: options.globalData || {} });
    },
    appHook(name) { hook(state.app, name, [{ path: "", query: {}, scene: "1001" }], "app.js", "in App " + name); },
    loadPage(page) {
      const file = page + ".js";
      if (!__modules.has(file)) return 0;
      state.pageOptions = null;
      guarded("while loading " + file, () => __modules.load(file));
      const options = state.pageOptions || {};
      const data = JSON.parse(JSON.stringify(options.data ?? {}));
      const instance = Object.assign(Object.create(options), { data, route: page, setData });
      pagesByPath.set(page, instance);
      state.pages = [instance];
      return 1;
    },
    pageHook(page, name) { hook(pagesByPath.get(page), name, name === "onLoad" ? [{}] : [], page + ".js", "in Page " + page + " " + name); },
    results() { sweepRejections(); return JSON.stringify({ events, calls, now: state.now }); },
  });
})();
