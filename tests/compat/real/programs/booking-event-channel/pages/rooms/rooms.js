const app = getApp();

Page({
  data: { rooms: [], chosen: null },
  onLoad() {
    my.request({
      url: 'https://api.shop.example/hotels/' + app.globalData.hotelId + '/rooms',
      success: (res) => {
        this.setData({ rooms: res.data.data.rooms.filter((r) => r.available) });
      },
    });
  },
  choose(e) {
    const room = this.data.rooms[e.target.dataset.index];
    my.navigateTo({
      url: '/pages/book/book',
      events: {
        booked: (booking) => this.setData({ chosen: booking }),
      },
      success: (res) => {
        res.eventChannel.emit('room', room);
      },
    });
  },
});
