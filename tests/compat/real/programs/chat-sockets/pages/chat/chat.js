// The support chat still talks to the old gateway.
const CHAT_HOST = 'push.shop.example';

Page({
  data: { lines: [] },
  onLoad() {
    my.connectSocket({
      url: `ws://${CHAT_HOST}/support`,
    });
    my.onSocketMessage((res) => {
      this.setData({ lines: this.data.lines.concat([res.data]) });
    });
  },
  onUnload() {
    my.closeSocket();
  },
});
