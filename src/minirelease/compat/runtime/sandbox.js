// The host a mini program runs in during the smoke test: App/Page/Component over the
// package's modules (modules.js), a virtual clock behind setTimeout, promises that know
// whether anyone handled their rejection, and the `my` object (my.js). Page instances have
// what a device gives them (event channel, $spliceData, selectComponent...). Package code
// sees no host object: nothing here calls out of the engine. Python drives it step by step.
const __smoke = (function () {
  "use strict";
  const NativePromise = Promise;
  const events = [];           // findings-to-be: {kind, file, line, column, message}
  const calls = [];            // every my.* call: {api, at}
  const timers = [];
  const pending = new Set();   // tracked promises rejected with no handler yet
  const reported = new Set();  // each event's kind, place and description, reported once
  const state = { now: 0, seq: 0, app: null, appOptions: null, pages: [], loading: null, pageIds: 0, running: false, cutOff: false };
  const stringify = JSON.stringify;
  let config = null;
  let host = null;             // what my.js made: my, unsupportedCall, touched, answered
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
  // A value's own data property, found without running the package's getters.
  function dataProperty(value, name) {
    for (let object = value; object !== null; object = Object.getPrototypeOf(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, name);
      if (descriptor) return "value" in descriptor ? descriptor.value : undefined;
    }
    return undefined;
  }
  function describe(value) {
    if (value instanceof Error) return String(dataProperty(value, "name")) + ": " + String(dataProperty(value, "message"));
    // After a step was cut off, run none of the package's code (toJSON, getters) again.
    if (state.cutOff) return value !== null && typeof value === "object" ? "[object]" : typeof value;
    try { return stringify(value) ?? String(value); } catch (_) { return typeof value; }
  }
  function report(kind, value, fallback, context) {
    if (value instanceof Error && host !== null && host.unsupportedCall(value)) return; // a jsapi call
    if (__smokeValues.serverDerived(value)) return; // the server's answer, which the lab cannot know
    const at = (value instanceof Error && where(value.stack)) || fallback || { file: __modules.loading() ?? state.loading };
    const what = describe(value).slice(0, 300);
    // The same failure at the same place (a broken module two pages load) is one event.
    const key = stringify([kind, at.file ?? null, at.line ?? null, at.column ?? null, what]);
    if (reported.has(key)) return;
    reported.add(key);
    events.push({ kind, file: at.file ?? null, line: at.line ?? null, column: at.column ?? null,
                  message: what + " (" + context + ")" });
  }
  function guarded(context, fn) {
    try { return fn(); } catch (error) { report("exception", error, null, context); }
  }

  // Promises: a rejection nobody handled by the next step is reported.
  class TrackedPromise extends NativePromise {
    constructor(executor) {
      const origin = where(new Error().stack);
      let self = null;
      const rejected = (reason) => {
        if (self !== null && !self.__handled) pending.add({ promise: self, reason, origin });
        else if (self === null) NativePromise.resolve().then(() => {
          if (!self.__handled) pending.add({ promise: self, reason, origin });
        });
      };
      super((resolve, reject) => {
        const fail = (reason) => {
          rejected(reason);
          reject(reason);
        };
        try {
          executor((value) => {
            // Resolved with a promise, this one settles as that one does, through functions
            // of the engine's own that the wrapper never sees: follow the promise to learn
            // of its rejection.
            if (value instanceof NativePromise) NativePromise.prototype.then.call(value, undefined, rejected);
            resolve(value);
          }, fail);
        } catch (error) {
          fail(error); // an executor that throws rejects its promise, seen like any rejection
        }
      });
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
  // Components are not rendered: a definition loads and does nothing more.
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
  // this.$spliceData({ 'a.list': [start, deleteCount, ...items] }): Array.splice at a path.
  function spliceData(update, callback) {
    for (const [key, args] of Object.entries(update || {})) {
      const keys = key.replace(/\[(\d+)\]/g, ".$1").split(".");
      let target = this.data;
      for (const part of keys.slice(0, -1)) {
        if (target[part] === null || typeof target[part] !== "object") target[part] = {};
        target = target[part];
      }
      const last = keys[keys.length - 1];
      if (!Array.isArray(target[last])) target[last] = [];
      if (Array.isArray(args)) target[last].splice(...args);
    }
    if (typeof callback === "function") schedule(callback, 0, [], false);
  }
  function pageInstance(options, page, query) {
    const channel = __smokeValues.eventChannel();
    const data = JSON.parse(JSON.stringify(options.data ?? {}));
    return Object.assign(Object.create(options), {
      data, route: page, options: query, query, $id: ++state.pageIds, $viewId: String(state.pageIds),
      setData, $spliceData: spliceData,
      $batchedUpdates(fn) { if (typeof fn === "function") fn(); },
      getOpenerEventChannel: () => channel,
      // A component the lab cannot render is unknown: whatever the page does with it works.
      selectComponent: () => __smokeValues.unknown("any"),
      selectAllComponents: () => __smokeValues.unknown("any"),
    });
  }
  // Each step of the run; `running` stays true when the engine cut a step off.
  function step(fn) {
    return function (...args) {
      state.running = true;
      const result = fn(...args);
      state.running = false;
      return result;
    };
  }
  const pagesByPath = new Map();
  const collected = { events: 0, calls: 0, answered: 0 };
  return Object.freeze({
    addFile(path, source) { __modules.addFile(path, source); },
    configure(json) {
      config = JSON.parse(json);
      host = __smokeMy(config, { now: () => state.now, schedule, calls, where, TrackedPromise });
      globalThis.my = host.my;
    },
    trackAsync,
    tick,
    now: () => state.now,
    // A step's timers: the first tick and the horizon in one call (one engine round trip
    // fewer per step), then continueDrain until nothing is due before the horizon.
    startDrain: step((ms) => { state.horizon = state.now + ms; return tick(state.horizon); }),
    continueDrain: step(() => tick(state.horizon)),
    // Timers due now and still coming: the clock cannot advance, start-up never settles.
    stuck: () => timers.some((timer) => timer.due <= state.now),
    loadApp: step(() => {
      state.loading = "app.js";
      if (__modules.has("app.js")) guarded("while loading app.js", () => __modules.load("app.js"));
      const options = state.appOptions || {};
      state.app = Object.assign(Object.create(options), { globalData: options.globalData || {} });
    }),
    appHook: step((name) => hook(state.app, name, [{ path: "", query: {}, scene: "1001" }], "app.js", "in App " + name)),
    loadPage: step((page) => {
      const file = page + ".js";
      if (!__modules.has(file)) return 0;
      state.pageOptions = null;
      guarded("while loading " + file, () => __modules.load(file));
      const options = state.pageOptions || {};
      // A page other code navigates to is opened with the query that code builds, which
      // the lab cannot know: reading it never throws, like a server's answer.
      const query = __modules.openedBare(page) ? {} : __smokeValues.unknown("data");
      let instance = null;
      guarded("while loading " + file, () => { instance = pageInstance(options, page, query); });
      if (instance === null) instance = pageInstance({}, page, query);
      pagesByPath.set(page, instance);
      state.pages = [instance];
      return 1;
    }),
    pageHook: step((page, name) => {
      const instance = pagesByPath.get(page); // none when the page has no script
      hook(instance, name, name === "onLoad" && instance ? [instance.query] : [], page + ".js", "in Page " + page + " " + name);
    }),
    // What the steps since the last collection found: the engine collects after each step,
    // so a later step that runs out of memory costs only its own. Also after a step was cut
    // off (the engine calls it then): what is left is described without running package
    // code (toJSON, getters) again.
    collect() {
      state.cutOff = state.running; // a step that never returned was cut off by the engine
      try { sweepRejections(); } catch (_) { /* a cut-off run keeps the events it has */ }
      const answered = host === null ? 0 : host.answered();
      const found = stringify({ events: events.slice(collected.events), calls: calls.slice(collected.calls),
                                now: state.now, touched: host === null ? [] : host.touched(),
                                answered: answered - collected.answered });
      collected.events = events.length;
      collected.calls = calls.length;
      collected.answered = answered;
      return found;
    },
  });
})();
