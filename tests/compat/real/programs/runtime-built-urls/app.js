const { track } = require('./utils/analytics');

App({
  onLaunch(options) {
    track('launch', { scene: options.scene });
  },
});
