const { callSupport } = require('../../utils/contact');

Page({
  data: { called: false },
  onLoad() {
    this.setData({ called: callSupport() });
  },
});
