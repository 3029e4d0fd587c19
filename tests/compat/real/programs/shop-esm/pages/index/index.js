import { listProducts } from '../../services/products';
import * as fmt from '../../utils/index';

const categories = require('../../data/categories.json');

Page({
  data: { products: [], categories, loading: true },
  onLoad() {
    this.load(1);
  },
  async load(page) {
    try {
      const products = await listProducts(page);
      this.setData({
        products: products.map((p) => Object.assign({}, p, { label: fmt.formatPrice(p.price) })),
        loading: false,
      });
    } catch (err) {
      this.setData({ loading: false });
      my.showToast({ content: 'Network error', type: 'fail' });
    }
  },
  onOpen(event) {
    my.navigateTo({ url: `/pages/detail/detail?id=${event.target.dataset.id}` });
  },
});
