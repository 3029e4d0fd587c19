App({
  onLaunch() {
    my.getStorage({
      key: 'token',
      success: (res) => {
        this.token = res.data;
      },
    });
  },
});
