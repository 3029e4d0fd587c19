// A thin client for the shop's function gateway, installed on my like the cloud SDKs do.
const GATEWAY = 'https://api.shop.example/fn';

function createCloud() {
  return {
    callFunction(options) {
      return new Promise((resolve, reject) => {
        my.request({
          url: GATEWAY + '/' + options.name,
          method: 'POST',
          data: options.data || {},
          success: (res) => resolve({ result: res.data }),
          fail: reject,
        });
      });
    },
  };
}

function createStore() {
  const state = {};
  return {
    get: (key) => state[key],
    set: (key, value) => {
      state[key] = value;
    },
  };
}

module.exports = { createCloud, createStore };
