Page({
  data: { avatar: '' },
  onLoad() {
    if (my.chooseImage) {
      my.chooseImage({
        count: 1,
        sourceType: ['album', 'camera'],
        success: (res) => this.setData({ avatar: res.apFilePaths[0] }),
      });
    }
  },
  onReady() {
    my.hideKeyboard && my.hideKeyboard();
  },
});
