const request = require('@newsroom/request');
const config = require('./config/index');

App({
  onLaunch() {
    request.setBaseUrl(config.apiBase);
  },
});
