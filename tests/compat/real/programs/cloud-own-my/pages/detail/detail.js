Page({
  onLoad() {
    const cart = my.$store.get('cart') || [];
    this.setData({ count: cart.length });
  },
});
