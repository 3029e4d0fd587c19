const PARTS = { protocol: 'http:', host: 'img-api.shop.example' };

function imageApi(path) {
  return [PARTS.protocol, '', PARTS.host, path].join('/');
}

module.exports = { imageApi };
