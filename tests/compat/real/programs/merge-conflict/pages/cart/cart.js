import { cartTotal, cartCount } from '../../utils/cart';

Page({
  data: { lines: [] },
  onLoad() {
    const lines = my.getStorageSync({ key: 'cart' }).data || [];
    this.setData({ lines, total: cartTotal(lines).toFixed(2), count: cartCount(lines) });
  },
});
