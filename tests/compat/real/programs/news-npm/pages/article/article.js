const request = require('@newsroom/request');
const dayjs = require('tiny-dayjs');

Page({
  data: { article: null },
  onLoad(query) {
    request.get('/articles/' + (query.id || 'latest')).then((body) => {
      const paragraphs = body.article.content.split('\n').filter((p) => p.trim().length > 0);
      this.setData({
        article: body.article,
        paragraphs,
        date: dayjs(body.article.publishedAt).format('YYYY-MM-DD HH:mm'),
      });
      my.setNavigationBar({ title: body.article.title });
    }, () => {
      my.showToast({ content: 'Offline', type: 'none' });
    });
  },
});
