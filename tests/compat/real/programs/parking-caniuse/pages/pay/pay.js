Page({
  onLoad(query) {
    this.orderStr = query.orderStr || '';
  },
  pay() {
    my.tradePay({
      orderStr: this.orderStr,
      success: (res) => {
        if (res.resultCode === '9000') {
          my.redirectTo({ url: '/pages/index/index' });
        }
      },
    });
  },
  openCoupons() {
    if (my.canIUse('ap.navigateToAlipayPage')) {
      my.ap.navigateToAlipayPage({ path: 'alipays://platformapi/startapp?appId=20000714' });
    } else {
      my.alert({ content: 'Open your wallet to see coupons' });
    }
  },
  onShow() {
    this.openCoupons();
  },
});
