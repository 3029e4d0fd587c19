Page({
  onLoad(query) {
    this.setData({ number: query.number || '-' });
  },
});
