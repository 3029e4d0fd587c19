const { currentSpot } = require('../../utils/location');

Page({
  data: { plate: '', spot: null },
  onLoad() {
    currentSpot((spot) => this.setData({ spot }));
  },
  scanTicket() {
    if (my.canIUse('scan')) {
      my.scan({
        scanType: ['qrCode'],
        success: (res) => this.setData({ ticket: res.code }),
      });
    } else {
      my.showToast({ content: 'Enter the ticket number by hand' });
    }
  },
  onReady() {
    this.scanTicket();
  },
});
