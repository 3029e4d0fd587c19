const config = require('../config/index');

function listCoupons(status) {
  const url = `${config.couponBase}/coupons?status=${status}`;
  return new Promise((resolve) => {
    my.request({
      url,
      success: (res) => resolve(res.data.data.coupons),
      fail: () => resolve([]),
    });
  });
}

function myWallet() {
  const url = `${config.shopBase}/wallet`;
  return new Promise((resolve) => {
    my.request({
      url,
      success: (res) => resolve(res.data),
      fail: () => resolve(null),
    });
  });
}

module.exports = { listCoupons, myWallet };
