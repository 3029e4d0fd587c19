// Values the host hands to package code that the lab cannot know: a server's answer, a
// component it does not render. An unknown value behaves like whatever the code expects of
// it (fields read deeply, indexing, iteration, `length`, array and string methods,
// arithmetic, JSON) and never throws, so that no crash is invented from it. Event channels
// are here too: pages (sandbox.js) and my.navigateTo (below) both hand them out.
const __smokeValues = (function () {
  "use strict";
  const unknowns = new WeakSet();
  const SENTINEL = "\u2063smoke-unknown"; // the JSON form of an unknown value: {SENTINEL: flavor}
  // Server data is JSON: only the built-in methods of its values can be called on it.
  const METHODS = new Set([Array, String, Number, Object, Date, Boolean].flatMap(
    (type) => Object.getOwnPropertyNames(type.prototype)));
  for (const name of ["constructor", "length", "toJSON", "__proto__", "name"]) METHODS.delete(name);
  const nothing = () => [][Symbol.iterator]();
  // As a string an unknown value is one invisible character (U+2063), so an error whose
  // message was built from server data can be told apart (serverDerived); as a number, 0,
  // which also keeps `new Date(x)` valid.
  const MARK = "\u2063";
  const primitive = (hint) => (hint === "string" ? MARK : 0);

  // flavor "data": JSON-like (only built-in method names are callable); "any": every member
  // is callable too (a component instance the lab does not render).
  function unknown(flavor, callable) {
    const own = new Map();       // what the program stored on it
    const children = new Map();  // the same member read twice is the same value
    let sealed = false;          // after Object.freeze and the like, the target speaks
    const target = callable ? () => {} : {};
    const proxy = new Proxy(target, {
      get(_, key) {
        if (key === Symbol.toPrimitive) return primitive;
        if (key === Symbol.iterator) return nothing;
        if (sealed && Object.prototype.hasOwnProperty.call(target, key)) return target[key];
        if (own.has(key)) return own.get(key);
        if (typeof key === "symbol" || key === "then") return undefined;
        if (key === "length") return 0;
        if (key === "toJSON") return () => ({ [SENTINEL]: flavor });
        if (key === "constructor") return Object;
        if (key === "__proto__") return Object.prototype;
        if (!children.has(key)) children.set(key, unknown(flavor, flavor === "any" || METHODS.has(key)));
        return children.get(key);
      },
      apply: () => unknown(flavor, false),
      set(_, key, value) {
        if (sealed) return Reflect.set(target, key, value);
        own.set(key, value);
        return true;
      },
      defineProperty(_, key, descriptor) {
        if (sealed || descriptor.configurable === false) return Reflect.defineProperty(target, key, descriptor);
        own.set(key, descriptor.value);
        return true;
      },
      deleteProperty(_, key) { own.delete(key); return Reflect.deleteProperty(target, key); },
      has: (_, key) => typeof key !== "symbol" || Reflect.has(target, key),
      ownKeys: () => (sealed ? Reflect.ownKeys(target) : [...own.keys()]),
      getOwnPropertyDescriptor(_, key) {
        const real = Reflect.getOwnPropertyDescriptor(target, key);
        if (sealed || (real && !real.configurable)) return real;
        return own.has(key) ? { value: own.get(key), writable: true, enumerable: true, configurable: true } : undefined;
      },
      getPrototypeOf: () => (sealed ? Reflect.getPrototypeOf(target) : Object.prototype),
      preventExtensions() {
        for (const [key, value] of own) {
          Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
        }
        Reflect.setPrototypeOf(target, Object.prototype);
        sealed = true;
        return Reflect.preventExtensions(target);
      },
    });
    unknowns.add(proxy);
    return proxy;
  }

  // JSON.parse of an unknown value is an unknown value, and one stored as JSON (storage,
  // a deep copy) comes back unknown, not as an empty object.
  const nativeParse = JSON.parse;
  JSON.parse = function parse(text, reviver) {
    if (unknowns.has(text)) return unknown("data", false);
    if (typeof text === "string" && text.includes(MARK) && !text.includes(SENTINEL)) {
      // Text built from an unknown value (decodeURIComponent(query.item)) is unknown JSON.
      try { return nativeParse(text, reviver); } catch (_) { return unknown("data", false); }
    }
    if (typeof text !== "string" || !text.includes(SENTINEL)) return nativeParse(text, reviver);
    return nativeParse(text, function (key, value) {
      const revived = value !== null && typeof value === "object" && typeof value[SENTINEL] === "string"
        ? unknown(value[SENTINEL] === "any" ? "any" : "data", false) : value;
      return typeof reviver === "function" ? reviver.call(this, key, revived) : revived;
    });
  };

  // A page's opener channel and my.navigateTo's: listeners by event name.
  function eventChannel() {
    const listeners = new Map();
    const listen = (name, fn, once) => {
      if (typeof fn === "function") listeners.set(name, [...(listeners.get(name) || []), { fn, once }]);
      return channel;
    };
    const channel = {
      on: (name, fn) => listen(name, fn, false),
      once: (name, fn) => listen(name, fn, true),
      off(name, fn) {
        listeners.set(name, fn === undefined ? [] : (listeners.get(name) || []).filter((entry) => entry.fn !== fn));
        return channel;
      },
      emit(name, ...args) {
        const current = listeners.get(name) || [];
        listeners.set(name, current.filter((entry) => !entry.once));
        for (const entry of current) entry.fn(...args);
        return channel;
      },
    };
    return channel;
  }
  // Whether a thrown or rejected value comes from data the lab cannot know: an unknown
  // value, an object holding one (a whole response), or an error whose message quotes one.
  // `reject(res.data)` on a business error code is the server's call, not a crash.
  function serverDerived(value) {
    if (unknowns.has(value)) return true;
    if (value instanceof Error) {
      const message = Object.getOwnPropertyDescriptor(value, "message");
      return Boolean(message && typeof message.value === "string" && message.value.includes(MARK));
    }
    if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
    return Object.values(Object.getOwnPropertyDescriptors(value)).some(
      (descriptor) => "value" in descriptor && unknowns.has(descriptor.value));
  }
  return Object.freeze({ unknown: (flavor) => unknown(flavor, false), eventChannel, serverDerived });
})();
