import { productDetail } from '../../services/products';
import { formatPrice, shortDate, CURRENCY } from '../../utils/index';

Page({
  data: { product: null, error: false },
  async onLoad(query) {
    try {
      const product = await productDetail(query.id || '1');
      this.setData({
        product,
        price: `${formatPrice(product.price)} ${CURRENCY}`,
        listed: shortDate(product.listedAt),
        tags: product.tags.slice(0, 3),
      });
    } catch (err) {
      this.setData({ error: true });
    }
  },
});
