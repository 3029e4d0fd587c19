Page({
  data: { code: 'WELCOME10' },
  onLoad() {
    this.copyCode();
  },
  copyCode() {
    my.setClipboard?.({ text: this.data.code });
    my.showToast({ content: 'Code copied' });
  },
});
