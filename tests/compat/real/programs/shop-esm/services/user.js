import get from './http';

export function fetchProfile() {
  return get('/me').then((body) => ({
    id: body.data.id,
    nick: body.data.profile.nickName,
  }));
}
