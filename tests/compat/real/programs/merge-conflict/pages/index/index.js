import { cartCount } from '../../utils/cart';

Page({
  data: { count: 0 },
  onShow() {
    const lines = my.getStorageSync({ key: 'cart' }).data || [];
    this.setData({ count: cartCount(lines) });
  },
});
