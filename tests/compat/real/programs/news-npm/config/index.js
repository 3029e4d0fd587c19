module.exports = {
  apiBase: 'https://api.shop.example/news',
  pageSize: 10,
};
