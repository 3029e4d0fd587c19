const { myWallet } = require('../../services/coupon');

Page({
  data: { balance: '0.00' },
  onShow() {
    myWallet().then((wallet) => {
      if (wallet) {
        this.setData({ balance: wallet.balance });
      }
    });
  },
});
