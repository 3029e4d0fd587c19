import { summary } from '../../services/ledger';

Page({
  data: { balance: '--', spent: '--', count: 0 },
  async onLoad() {
    try {
      this.setData(await summary());
    } catch (e) {
      my.showToast({ content: 'Could not load your ledger' });
    }
  },
});
