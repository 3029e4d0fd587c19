App({
  globalData: { hotelId: 'h-1024' },
  onLaunch() {},
});
