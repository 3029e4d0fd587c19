const layout = require('../../utils/layout');

Page({
  data: {},
  onLoad() {
    this.setData({
      cardHeight: layout.rpx(320),
      navPadding: layout.statusBarHeight + (layout.isIOS() ? 44 : 48),
    });
  },
});
