App({
  globalData: {},
  onLaunch() {
    my.getSystemInfo({
      success: (res) => {
        const [major] = res.version.split('.');
        this.globalData.modern = Number(major) >= 10;
        this.globalData.tall = res.screen.height / res.screen.width > 2;
      },
    });
  },
});
