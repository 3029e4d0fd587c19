const ENDPOINTS = {
  launch: 'https://collect.tracker-cloud.example/v1/launch',
  view: 'https://collect.tracker-cloud.example/v1/view',
};

function endpointFor(event) {
  return ENDPOINTS[event] || ENDPOINTS.view;
}

function track(event, props) {
  my.request({ url: endpointFor(event), method: 'POST', data: props, fail: () => {} });
}

module.exports = { track };
