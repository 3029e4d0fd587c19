Page({
  data: { date: '', slots: [] },
  onLoad() {
    this.loadSlots(new Date().toISOString().slice(0, 10));
  },
  loadSlots(date) {
    my.request({
      url: 'https://api.shop.example/salon/slots',
      data: { date },
      success: (res) => {
        this.setData({ date, slots: [] });
        this.$spliceData({ slots: [0, 0].concat(res.data.slots) });
      },
    });
  },
  onReady() {
    const strip = this.selectComponent('#date-strip');
    this.stripReady = Boolean(strip);
  },
  onPick(date) {
    this.loadSlots(date);
  },
});
