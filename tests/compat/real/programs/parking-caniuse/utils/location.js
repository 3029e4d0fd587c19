const DEFAULT_SPOT = { latitude: 31.2304, longitude: 121.4737 };

function currentSpot(done) {
  if (my.canIUse('getLocation')) {
    my.getLocation({
      type: 1,
      success: (res) => done({ latitude: res.latitude, longitude: res.longitude }),
      fail: () => done(DEFAULT_SPOT),
    });
  } else {
    done(DEFAULT_SPOT);
  }
}

module.exports = { currentSpot };
