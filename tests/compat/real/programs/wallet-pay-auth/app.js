import { login } from './services/auth';

App({
  globalData: { token: '' },
  onLaunch() {
    login().then((token) => {
      this.globalData.token = token;
    }, () => {
      my.showToast({ content: 'Sign-in failed', type: 'fail' });
    });
  },
});
