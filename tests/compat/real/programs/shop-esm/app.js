import { API_BASE } from './config/env';
import { fetchProfile } from './services/user';

App({
  globalData: { apiBase: API_BASE, user: null },
  onLaunch(options) {
    fetchProfile().then((user) => {
      this.globalData.user = user;
    }).catch(() => {
      this.globalData.user = null;
    });
  },
});
