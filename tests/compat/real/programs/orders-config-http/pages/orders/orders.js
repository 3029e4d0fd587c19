import { orderHistory } from '../../services/orders';

Page({
  data: { records: [] },
  onLoad() {
    orderHistory((records) => {
      this.setData({ records: records.filter((r) => r.status !== 'cancelled') });
    });
  },
});
