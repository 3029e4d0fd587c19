const { openPush } = require('../../utils/socket');

Page({
  data: { notices: [] },
  onLoad() {
    openPush((notice) => {
      this.setData({ notices: [notice].concat(this.data.notices).slice(0, 20) });
    });
  },
});
