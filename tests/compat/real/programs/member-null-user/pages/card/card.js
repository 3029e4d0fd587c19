const app = getApp();

Page({
  data: {},
  onLoad() {
    // The member is only saved after the first sign-in: a new user has none.
    const member = app.globalData.member;
    this.setData({
      cardNo: member.cardNo,
      points: member.points,
    });
  },
});
