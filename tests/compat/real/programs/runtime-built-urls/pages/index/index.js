const { imageApi } = require('../../utils/url');

Page({
  data: {},
  onLoad() {
    my.request({ url: imageApi('banners'),
      success: (res) => this.setData({ banners: res.data.list }),
    });
  },
});
