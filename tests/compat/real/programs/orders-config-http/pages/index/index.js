import { currentOrders } from '../../services/orders';

Page({
  data: { orders: [] },
  onShow() {
    currentOrders((orders) => this.setData({ orders, count: orders.length }));
  },
});
