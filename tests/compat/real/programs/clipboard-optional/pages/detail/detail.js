Page({
  onLoad() {
    my.vibrateShort && my.vibrateShort();
    my.getClipboard?.({
      success: ({ text }) => this.setData({ pasted: text }),
    });
  },
});
