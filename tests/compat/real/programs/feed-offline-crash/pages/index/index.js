import { loadFeed } from '../../services/feed';

Page({
  data: { items: [] },
  onLoad() {
    loadFeed((items) => this.setData({ items: items.slice(0, 30) }));
  },
});
