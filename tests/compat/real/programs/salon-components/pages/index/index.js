Page({
  data: { staff: [] },
  onLoad() {
    my.request({
      url: 'https://api.shop.example/salon/staff',
      success: (res) => {
        this.setData({ staff: res.data.data.staff.slice(0, 10) });
      },
    });
  },
});
