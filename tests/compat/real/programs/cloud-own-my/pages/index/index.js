Page({
  data: { items: [] },
  onLoad() {
    my.fncontext
      .callFunction({ name: 'listGoods', data: { page: 1 } })
      .then((res) => {
        this.setData({ items: res.result.list.map((g) => g.name) });
      })
      .catch(() => my.showToast({ content: 'Try again later' }));
  },
  addToCart(e) {
    const cart = my.$store.get('cart');
    cart.push(e.target.dataset.id);
    my.$store.set('cart', cart);
  },
});
