Page({
  data: { level: '' },
  onLoad() {
    my.request({
      url: 'https://api.shop.example/member/levels',
      success: (res) => this.setData({ levels: res.data.levels }),
    });
  },
});
