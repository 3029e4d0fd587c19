const HOTLINE = '400-800-1234';

function callSupport() {
  if (typeof my.makePhoneCall === 'function') {
    my.makePhoneCall({ number: HOTLINE });
    return true;
  }
  my.alert({ title: 'Support', content: 'Call ' + HOTLINE });
  return false;
}

module.exports = { callSupport, HOTLINE };
