const { scanWaybill } = require('../../utils/scanner');

Page({
  data: { waybill: '' },
  onLoad() {},
  track() {
    scanWaybill((code) => this.setData({ waybill: code }));
  },
  quickScan() {
    my.scan({ success: (res) => this.setData({ waybill: res.code }) });
  },
  callCourier() {
    my.makePhoneCall({ number: '95338' });
  },
});
