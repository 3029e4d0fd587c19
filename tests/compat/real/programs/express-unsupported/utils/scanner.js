function scanWaybill(done) {
  my.scan({
    scanType: ['barCode'],
    success: (res) => done(res.code),
  });
}

module.exports = { scanWaybill };
