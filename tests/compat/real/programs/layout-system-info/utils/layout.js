const info = my.getSystemInfoSync();

// Design drafts are 750 units wide.
const rpxRatio = info.windowWidth / 750;

function rpx(units) {
  return Math.round(units * rpxRatio);
}

function isIOS() {
  return info.platform.toLowerCase() === 'ios';
}

function imageWidth() {
  return Math.ceil(info.windowWidth * info.pixelRatio);
}

module.exports = { rpx, isIOS, imageWidth, statusBarHeight: info.statusBarHeight };
