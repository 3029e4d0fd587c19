const config = {
  // The coupon platform is a partner's service; its host was never added to the whitelist.
  couponBase: 'https://coupons.partner-platform.example/api',
  shopBase: 'https://api.shop.example',
};

module.exports = config;
