const PUSH_URL = 'wss://push.shop.example/v1/stream';

function openPush(onMessage) {
  my.connectSocket({
    url: PUSH_URL,
    header: { 'content-type': 'application/json' },
  });
  my.onSocketOpen(() => {
    my.sendSocketMessage({ data: JSON.stringify({ type: 'subscribe', topic: 'orders' }) });
  });
  my.onSocketMessage((res) => {
    try {
      onMessage(JSON.parse(res.data));
    } catch (e) {
      // Not JSON: a keep-alive frame.
    }
  });
  my.onSocketError(() => {
    my.showToast({ content: 'Connection lost' });
  });
}

module.exports = { openPush };
