"""Shipped capability profiles for three kinds of partner app, built from the Alipay-style
``my.*`` JSAPIs and components a host actually offers. A platform admin starts from one
of these and changes it as data; the demo and the tests use them as they are.

Each smaller profile is a subset of the larger one, as real hosts are: a lean wallet
drops payment-adjacent and device APIs, heavy components and older OS versions."""

from __future__ import annotations

import copy
from typing import Final

from minirelease.partners.profile import CapabilityProfile

# What every host offers: navigation, storage, feedback UI, networking basics.
_CORE_JSAPIS: Final = (
    "my.canIUse",
    "my.request",
    "my.navigateTo",
    "my.redirectTo",
    "my.reLaunch",
    "my.switchTab",
    "my.navigateBack",
    "my.getStorage",
    "my.getStorageSync",
    "my.setStorage",
    "my.setStorageSync",
    "my.removeStorage",
    "my.removeStorageSync",
    "my.clearStorage",
    "my.clearStorageSync",
    "my.getStorageInfo",
    "my.getStorageInfoSync",
    "my.showToast",
    "my.hideToast",
    "my.showLoading",
    "my.hideLoading",
    "my.alert",
    "my.confirm",
    "my.getSystemInfo",
    "my.getSystemInfoSync",
    "my.getNetworkType",
    "my.setNavigationBar",
    "my.stopPullDownRefresh",
    "my.pageScrollTo",
    "my.createSelectorQuery",
)

# A typical wallet adds payment, auth, files, media and sockets.
_WALLET_JSAPIS: Final = (
    "my.tradePay",
    "my.getAuthCode",
    "my.uploadFile",
    "my.downloadFile",
    "my.chooseImage",
    "my.previewImage",
    "my.setClipboard",
    "my.getClipboard",
    "my.makePhoneCall",
    "my.scan",
    "my.getLocation",
    "my.prompt",
    "my.showActionSheet",
    "my.onNetworkStatusChange",
    "my.connectSocket",
    "my.sendSocketMessage",
    "my.closeSocket",
    "my.onSocketOpen",
    "my.onSocketMessage",
    "my.onSocketError",
    "my.onSocketClose",
    "my.createAnimation",
    "my.hideKeyboard",
)

# A full super app also exposes device, map/canvas/video contexts and host extensions.
_SUPER_APP_JSAPIS: Final = (
    "my.getOpenUserInfo",
    "my.saveImage",
    "my.compressImage",
    "my.getImageInfo",
    "my.openLocation",
    "my.chooseLocation",
    "my.chooseCity",
    "my.datePicker",
    "my.vibrate",
    "my.vibrateShort",
    "my.vibrateLong",
    "my.watchShake",
    "my.getBatteryInfo",
    "my.getScreenBrightness",
    "my.setScreenBrightness",
    "my.setKeepScreenOn",
    "my.createCanvasContext",
    "my.createMapContext",
    "my.createVideoContext",
    "my.startPullDownRefresh",
    "my.showNavigationBarLoading",
    "my.hideNavigationBarLoading",
    "my.getUpdateManager",
    "my.reportAnalytics",
    "my.navigateToMiniProgram",
    "my.navigateBackMiniProgram",
    "my.getRunScene",
    "my.getSetting",
    "my.openSetting",
    "my.call",
    "my.ap.navigateToAlipayPage",
    # What a host as full as Alipay itself also offers: identity, the tab bar and page
    # chrome, files, media and the deprecated my.httpRequest its older mini programs call.
    "my.getAuthUserInfo",
    "my.getPhoneNumber",
    "my.startAPVerify",
    "my.httpRequest",
    "my.setTabBarBadge",
    "my.removeTabBarBadge",
    "my.showTabBarRedDot",
    "my.hideTabBarRedDot",
    "my.showTabBar",
    "my.hideTabBar",
    "my.setTabBarStyle",
    "my.setTabBarItem",
    "my.setBackgroundColor",
    "my.setBackgroundTextStyle",
    "my.setCanPullDown",
    "my.hideBackHome",
    "my.multiLevelSelect",
    "my.createIntersectionObserver",
    "my.createInnerAudioContext",
    "my.getBackgroundAudioManager",
    "my.chooseVideo",
    "my.saveFile",
    "my.getFileInfo",
    "my.getSavedFileList",
    "my.removeSavedFile",
    "my.getFileSystemManager",
    "my.getServerTime",
    "my.onUserCaptureScreen",
    "my.offUserCaptureScreen",
    "my.getAccountInfoSync",
    "my.getLaunchOptionsSync",
    "my.getEnterOptionsSync",
    "my.onAppShow",
    "my.offAppShow",
    "my.onAppHide",
    "my.offAppHide",
    "my.getAppIdSync",
    "my.getExtConfigSync",
    "my.getAddress",
    "my.optionsSelect",
    "my.choosePhoneContact",
    "my.addPhoneContact",
    "my.startZMCreditRent",
)

_CORE_COMPONENTS: Final = (
    "view",
    "text",
    "icon",
    "image",
    "button",
    "navigator",
    "input",
    "textarea",
    "scroll-view",
    "swiper",
    "swiper-item",
    "form",
    "label",
    "progress",
)

_WALLET_COMPONENTS: Final = (
    "picker",
    "switch",
    "checkbox",
    "checkbox-group",
    "radio",
    "radio-group",
    "slider",
    "rich-text",
    "web-view",
)

_SUPER_APP_COMPONENTS: Final = (
    "picker-view",
    "picker-view-column",
    "movable-area",
    "movable-view",
    "cover-view",
    "cover-image",
    "map",
    "canvas",
    "video",
    "lottie",
)


def _os_range(first: int, last: int) -> list[str]:
    return [str(major) for major in range(first, last + 1)]


SUPER_APP_PROFILE: Final = CapabilityProfile(
    jsapis=[*_CORE_JSAPIS, *_WALLET_JSAPIS, *_SUPER_APP_JSAPIS],
    components=[*_CORE_COMPONENTS, *_WALLET_COMPONENTS, *_SUPER_APP_COMPONENTS],
    os_versions={"android": _os_range(7, 15), "ios": _os_range(12, 18)},
)

WALLET_PROFILE: Final = CapabilityProfile(
    jsapis=[*_CORE_JSAPIS, *_WALLET_JSAPIS],
    components=[*_CORE_COMPONENTS, *_WALLET_COMPONENTS],
    os_versions={"android": _os_range(8, 14), "ios": _os_range(13, 17)},
)

LEAN_WALLET_PROFILE: Final = CapabilityProfile(
    jsapis=[*_CORE_JSAPIS, "my.tradePay", "my.getAuthCode"],
    components=list(_CORE_COMPONENTS),
    os_versions={"android": _os_range(11, 14), "ios": _os_range(15, 17)},
)

SHIPPED_PROFILES: Final[dict[str, CapabilityProfile]] = {
    "super_app": SUPER_APP_PROFILE,
    "wallet": WALLET_PROFILE,
    "lean_wallet": LEAN_WALLET_PROFILE,
}


def shipped_profile(kind: str) -> CapabilityProfile:
    """A fresh copy of the profile for ``kind``, safe to change and to store."""
    if kind not in SHIPPED_PROFILES:
        raise KeyError(f"no shipped profile {kind!r}; choose one of {', '.join(SHIPPED_PROFILES)}")
    return copy.deepcopy(SHIPPED_PROFILES[kind])
