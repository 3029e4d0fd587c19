const MESSAGES = { 9000: 'Paid', 6001: 'Cancelled', 4000: 'Failed' };

Page({
  onLoad(query) {
    this.setData({ message: MESSAGES[query.code] || 'Unknown result' });
  },
});
