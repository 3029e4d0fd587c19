Page({
  data: { banner: 'https://img.cdn.example.com/help/banner.png' },
  onLoad() {},
  openHelp() {
    my.navigateTo({ url: '/pages/help/help?topic=refunds' });
  },
  openTerms() {
    my.navigateTo({ url: '/pages/terms/terms' });
  },
});
