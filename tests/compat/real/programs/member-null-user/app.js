App({
  globalData: { member: null },
  onLaunch() {
    const saved = my.getStorageSync({ key: 'member' });
    if (saved.data) {
      this.globalData.member = saved.data;
    }
  },
});
