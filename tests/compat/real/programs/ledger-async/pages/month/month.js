import { month } from '../../services/ledger';

Page({
  data: { days: [] },
  onLoad(query) {
    month(query.key || '2024-05')
      .then((days) => this.setData({ days }))
      .catch(() => this.setData({ days: [] }));
  },
});
