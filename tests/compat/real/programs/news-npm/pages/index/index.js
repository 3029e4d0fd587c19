const request = require('@newsroom/request');
const dayjs = require('tiny-dayjs');
const config = require('../../config/index');

Page({
  data: { articles: [], error: '' },
  onLoad() {
    this.refresh();
  },
  onPullDownRefresh() {
    this.refresh().then(() => my.stopPullDownRefresh());
  },
  refresh() {
    return request
      .get('/articles', { size: config.pageSize })
      .then((body) => {
        const articles = [];
        body.articles.forEach((a) => {
          articles.push({ id: a.id, title: a.title, when: dayjs(a.publishedAt).fromNow() });
        });
        this.setData({ articles, error: '' });
      })
      .catch(() => {
        this.setData({ error: 'Could not load the news' });
      });
  },
});
