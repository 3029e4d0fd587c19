Page({
  onLoad() {
    my.createSelectorQuery().select('.banner').boundingClientRect((rect) => {
      this.bannerHeight = rect ? rect.height : 0;
    }).exec();
  },
});
