Page({
  data: { src: '' },
  onLoad(query) {
    this.setData({ src: 'https://h5.shop.example/help/' + (query.topic || 'index') });
  },
  onMessage(e) {
    if (e.detail.action === 'close') {
      my.navigateBack();
    }
  },
});
