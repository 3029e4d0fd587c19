'use strict';

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

function split(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  return {
    hours: pad(Math.floor(total / 3600)),
    minutes: pad(Math.floor((total % 3600) / 60)),
    seconds: pad(total % 60),
    done: total === 0,
  };
}

function countdown(endsAt, onTick) {
  const timer = setInterval(() => {
    const left = split(endsAt - Date.now());
    onTick(left);
    if (left.done) {
      clearInterval(timer);
    }
  }, 1000);
  return () => clearInterval(timer);
}

module.exports = { countdown, split };
