const { countdown, split } = require('countdown-kit');

const SALE_LENGTH_MS = 2 * 60 * 60 * 1000;

Page({
  data: { left: split(SALE_LENGTH_MS), items: [] },
  onLoad() {
    this.stop = countdown(Date.now() + SALE_LENGTH_MS, (left) => this.setData({ left }));
    my.request({
      url: 'https://api.shop.example/flash-sale/items',
      success: (res) => this.setData({ items: res.data.items }),
      fail: () => this.setData({ items: [] }),
    });
  },
  onUnload() {
    this.stop();
  },
});
