import { userName } from '../../services/auth';

Page({
  data: { amount: '10.00', name: '' },
  onLoad() {
    userName((name) => this.setData({ name }));
  },
  pay() {
    my.request({
      url: 'https://api.shop.example/pay/orders',
      method: 'POST',
      data: { amount: this.data.amount, token: getApp().globalData.token },
      success: (res) => {
        my.tradePay({
          tradeNO: res.data.tradeNo,
          success: (r) => my.redirectTo({ url: '/pages/result/result?code=' + r.resultCode }),
        });
      },
    });
  },
});
