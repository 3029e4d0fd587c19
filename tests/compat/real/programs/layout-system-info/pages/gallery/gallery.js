const { imageWidth } = require('../../utils/layout');

Page({
  onLoad() {
    const width = imageWidth();
    const columns = width > 2000 ? 3 : 2;
    this.setData({
      columns,
      thumb: 'https://img.cdn.example.com/gallery/cover.jpg?w=' + Math.floor(width / columns),
    });
  },
});
