Page({
  onLoad() {
    my.request({
      url: 'https://api.shop.example/detail',
      success: (res) => this.setData({ detail: res.data }),
    });
  },
});
