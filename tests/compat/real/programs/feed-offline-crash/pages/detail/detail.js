Page({
  onLoad(query) {
    my.request({
      url: 'https://api.shop.example/feed/' + (query.id || '1'),
      success: (res) => this.setData({ title: res.data.title }),
      fail: (err) => {
        my.showToast({ content: 'Offline (' + err.error + ')' });
      },
    });
  },
});
