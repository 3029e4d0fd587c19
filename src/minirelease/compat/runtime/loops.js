// Loop iteration counts of the current step, so that a start-up cut off by its time budget
// can name the loop it was spinning in (loops.py numbers the package's loops and makes each
// loop's body start with `__loops.n[number]++;`). Doubles: a count never wraps.
const __loops = (function () {
  "use strict";
  const n = new Float64Array(16384); // loops.py MAX_LOOPS
  return Object.freeze({
    n,
    reset() { n.fill(0); },
    // The loop that ran most in this step, or -1 when no counted loop ran.
    hottest() {
      let best = -1;
      for (let i = 0; i < n.length; i++) if (n[i] > 0 && (best < 0 || n[i] > n[best])) best = i;
      return best;
    },
  });
})();
