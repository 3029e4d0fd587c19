export default function promisify(api) {
  return (options = {}) =>
    new Promise((resolve, reject) => {
      api(Object.assign({}, options, { success: resolve, fail: reject }));
    });
}
