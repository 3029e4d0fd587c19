const { listCoupons } = require('../../services/coupon');

Page({
  data: { coupons: [] },
  onLoad() {
    listCoupons('valid').then((coupons) => {
      this.setData({
        coupons: coupons.map((c) => ({ id: c.id, title: c.title, off: c.discount.amount })),
      });
    });
  },
});
