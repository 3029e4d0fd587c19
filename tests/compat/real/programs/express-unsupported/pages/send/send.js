Page({
  data: { photos: [] },
  onLoad() {},
  addPhoto() {
    my.chooseImage({
      count: 3,
      success: (res) => this.setData({ photos: this.data.photos.concat(res.apFilePaths) }),
    });
  },
  scanSender() {
    my.scan({ success: (res) => this.setData({ sender: res.code }) });
  },
  callSender() {
    my.makePhoneCall({ number: this.data.phone });
  },
});
