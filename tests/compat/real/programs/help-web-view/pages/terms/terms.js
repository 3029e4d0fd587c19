Page({
  onLoad() {},
});
