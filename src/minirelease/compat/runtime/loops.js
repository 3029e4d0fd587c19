// Loop iteration counts of the current step, so that a start-up cut off by its time budget
// can name the loop it was spinning in (loops.py numbers the package's loops).
const __loops = (function () {
  "use strict";
  return Object.freeze({});
})();
