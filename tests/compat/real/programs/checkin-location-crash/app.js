App({
  globalData: { city: '' },
  onLaunch() {
    my.getLocation({
      type: 2,
      success: (res) => {
        this.globalData.city = res.city;
      },
    });
  },
});
