Page({
  data: { points: 0 },
  onLoad() {
    my.getStorage({
      key: 'points',
      success: (res) => this.setData({ points: res.data || 0 }),
    });
  },
});
