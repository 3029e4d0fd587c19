Page({
  data: { room: null, nights: 1 },
  onLoad() {
    this.channel = this.getOpenerEventChannel();
    this.channel.on('room', (room) => {
      this.setData({ room, total: room.price * this.data.nights });
    });
  },
  confirm() {
    this.channel.emit('booked', { room: this.data.room, nights: this.data.nights });
    my.navigateBack();
  },
});
