Page({
  data: { prize: '', drawing: false },
  onLoad() {},
  draw() {
    this.setData({ drawing: true });
    my.request({
      url: 'https://api.shop.example/campaign/spring/draw',
      method: 'POST',
      success: (res) => this.setData({ prize: res.data.prize.name, drawing: false }),
      fail: () => {
        this.setData({ drawing: false });
        my.showToast({ content: 'Try again' });
      },
    });
  },
});
