const LOGIN_URL = 'https://api.shop.example/auth/login';

export function login() {
  return new Promise((resolve, reject) => {
    my.getAuthCode({
      scopes: 'auth_base',
      success: ({ authCode }) => {
        my.request({
          url: LOGIN_URL,
          method: 'POST',
          data: { authCode },
          success: (res) => resolve(res.data.data.token),
          fail: reject,
        });
      },
      fail: reject,
    });
  });
}

export function userName(done) {
  if (my.canIUse('getOpenUserInfo')) {
    my.getOpenUserInfo({
      success: (res) => {
        const info = JSON.parse(res.response).response;
        done(info.nickName);
      },
      fail: () => done(''),
    });
  } else {
    done('');
  }
}
