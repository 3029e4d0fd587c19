import { API_BASE } from '../config/env';

export default function get(path, data) {
  return new Promise((resolve, reject) => {
    my.request({
      url: `${API_BASE}${path}`,
      method: 'GET',
      data,
      success: (res) => resolve(res.data),
      fail: (err) => reject(err),
    });
  });
}
