"""URLs built from the App object, the way most real mini programs keep their backend:
``globalData`` members and the App's own properties read through ``getApp()`` (directly or
bound to ``app``), ``this.globalData`` in the App's methods, App methods that return a URL
(``app.get_request_url('goods', 'index')``) and members set in ``onLaunch``. insecure-url
for http, domain-not-whitelisted for https off the whitelist (api.shop.example,
*.cdn.example.com), each at the request's ``url``; nothing for a member the program sets to
different values. Static rules only."""

from __future__ import annotations

import time

from minirelease.compat.model import DOMAIN_NOT_WHITELISTED, INSECURE_URL
from tests.compat.programs import program
from tests.compat.static_checks import static_findings

INDEX = "pages/index/index.js"

SHOP_APP = """
    const CDN = 'https://img.other.example';
    App({
      data: {
        request_url: 'http://shop.example/',
      },
      globalData: {
        host: 'http://old.shop.example',
        CDN,
        api: { base: 'https://api.other.example/v2' },
        safe: 'https://api.shop.example',
      },
      request_url: 'https://api.other.example/',
      globalData: {
        host: 'http://api.shop.example',
        CDN,
        api: { base: 'https://api.other.example/v2' },
        safe: 'https://api.shop.example',
      },
      onLaunch() {
        this.globalData.baseUrl = 'http://launch.shop.example';
      },
      get_request_url: function (c, a, plugins, params) {
        var plugins_params = '';
        if (plugins) {
          plugins_params = '&pluginsname=' + plugins;
        }
        return this.data.request_url + 'index.php?s=/api/' + c + '/' + a + plugins_params;
      },
      buildUrl(path) {
        return this.globalData.api.base + path;
      },
      secureUrl: (path) => 'https://api.shop.example' + path,
      fetchNotices() {
        my.request({ url: this.globalData.host + '/notices' });
      },
    });
"""

SHOP_PAGE = """
    const app = getApp();
    Page({
      onLoad(query) {
        my.request({ url: app.get_request_url('goods', 'index') });
        my.request({ url: getApp().globalData.host + '/banner' });
        const { globalData } = getApp();
        my.downloadFile({ url: `${globalData.CDN}/logo.png` });
        my.request({ url: app.request_url + 'cart' });
        my.request({ url: getApp().buildUrl('/orders/' + query.id) });
        my.request({ url: app.globalData.baseUrl + '/launch' });
        my.request({ url: app.globalData.safe + '/me' });
        my.request({ url: app.secureUrl('/pay') });
      },
    });
"""


def _places(files: dict[str, bytes], rule: str) -> list[tuple[str | None, int | None, int | None]]:
    return [(f.file, f.line, f.column) for f in static_findings(files, rule)]


def test_urls_from_the_app_object() -> None:
    files = program({"app.js": SHOP_APP, INDEX: SHOP_PAGE})
    assert _places(files, INSECURE_URL) == [
        ("app.js", 34, 23),  # this.globalData in the App's own method
        (INDEX, 4, 23),  # an App method returning this.data.request_url + parameters
        (INDEX, 5, 23),  # getApp().globalData, the last of two globalData keys
        (INDEX, 10, 23),  # set in onLaunch
    ]
    assert _places(files, DOMAIN_NOT_WHITELISTED) == [
        (INDEX, 7, 28),  # shorthand of a module constant, destructured from getApp()
        (INDEX, 8, 23),  # the App's direct property
        (INDEX, 9, 23),  # buildUrl(p): this.globalData.api.base + p
    ]
    [shop] = [f for f in static_findings(files, INSECURE_URL) if f.line == 4]
    assert shop.message == (
        "my.request loads 'http://shop.example/index.php?s=/api/…' over http://; use https://"
    )


def test_a_member_set_to_different_values_is_not_read() -> None:
    app = """
        App({
          globalData: {
            baseUrl: 'http://dev.shop.example',
            cdn: 'http://img.shop.example',
            kept: 'http://kept.shop.example',
          },
          onLaunch(options) {
            if (options.query && options.query.env === 'prod') {
              this.globalData.baseUrl = 'https://api.other.example';
            }
          },
          url(path) {
            return this.globalData.cdn + path;
          },
        });
    """
    page = """
        const app = getApp();
        Page({
          onLoad() {
            my.request({ url: app.globalData.baseUrl + '/items' });
            my.downloadFile({ url: app.url('/a.png') });
            my.request({ url: getApp().globalData.token + '/x' });
            my.request({ url: app.globalData.kept + '/x' });
          },
          onShow() {
            my.getStorage({
              key: 'cdn',
              success: (res) => {
                app.globalData.cdn = res.data;
              },
            });
          },
        });
    """
    files = program({"app.js": app, INDEX: page})
    assert _places(files, INSECURE_URL) == [(INDEX, 7, 23)]  # only the member left alone
    assert static_findings(files, DOMAIN_NOT_WHITELISTED) == []


def test_the_same_value_set_twice_stays_known() -> None:
    app = """
        const HOST = 'http://api.shop.example';
        App({
          globalData: { host: HOST, safe: 'https://api.shop.example' },
          onLaunch() {
            const that = this;
            my.getSystemInfo({
              success() {
                that.globalData.host = 'http://api.shop.example';
              },
            });
          },
        });
    """
    page = """
        Page({
          onLoad() {
            const app = getApp();
            my.request({ url: app.globalData.host + '/items' });
            my.request({ url: app.globalData.safe + '/items' });
          },
        });
    """
    files = program({"app.js": app, INDEX: page})
    assert _places(files, INSECURE_URL) == [(INDEX, 4, 23)]
    assert static_findings(files, DOMAIN_NOT_WHITELISTED) == []


def test_an_app_object_not_written_out_is_not_read() -> None:
    page = """
        Page({
          onLoad() {
            getApp().globalData.host = 'http://set.shop.example';
            my.request({ url: getApp().globalData.host + '/a' });
          },
        });
    """
    for app in (
        "const config = { globalData: { host: 'http://api.shop.example' } };\nApp(config);\n",
        "(function () {\n  App({ globalData: { host: 'http://api.shop.example' } });\n})();\n",
    ):
        # The App's own globalData.host is not read, so the value the page sets may not be
        # the only one.
        files = program({"app.js": app, INDEX: page})
        assert static_findings(files, INSECURE_URL) == []


def test_hostile_app_objects_are_unknown_not_endless() -> None:
    app = """
        const settings = { host: 'http://a.shop.example' };
        App({
          globalData: { merged: 'http://b.shop.example' },
          host: 'http://c.shop.example',
          loop(path) {
            return this.loop(path) + path;
          },
          other() {
            return this.globalData.self;
          },
          onLaunch() {
            Object.assign(this.globalData, settings);
            this.globalData.self = this.other() + '/x';
          },
        });
    """
    page = """
        Page({
          onLoad() {
            const app = getApp();
            my.request({ url: app.loop('/a') });
            my.request({ url: app.globalData.merged });
            my.request({ url: app.other() });
            my.request({ url: app.missing('/a') });
            my.request({ url: app.host });
          },
        });
    """
    files = program({"app.js": app, INDEX: page})
    assert _places(files, INSECURE_URL) == [(INDEX, 8, 23)]  # only app.host, left alone


def test_many_writes_and_reads_of_app_members_stay_linear() -> None:
    members = 5_000
    app = (
        "App({\n  host: 'http://kept.shop.example',\n"
        + "".join(f"  m{n}() {{ return this.m{n + 1}() + '/x'; }},\n" for n in range(members))
        + "  onLaunch() {\n"
        + "".join(f"    this.globalData.k{n} = 'http://a.shop.example';\n" for n in range(members))
        + "".join(f"    this.globalData = {{ n: {n} }};\n" for n in range(members))
        + "  },\n});\n"
    )
    page = (
        "const app = getApp();\nPage({ onLoad() {\n"
        + "".join(f"  my.request({{ url: app.globalData.k{n} }});\n" for n in range(members))
        + "  my.request({ url: app.m0() });\n  my.request({ url: app.host });\n} });\n"
    )
    files = program({"app.js": app, INDEX: page})
    started = time.monotonic()
    found = static_findings(files, INSECURE_URL)
    assert time.monotonic() - started < 10
    # globalData is replaced wholesale too often to read and the chain of methods is longer
    # than is followed: only app.host, set nowhere else, is read.
    assert [(f.file, f.line) for f in found] == [(INDEX, members + 4)]


def test_an_empty_placeholder_filled_in_on_launch_is_read() -> None:
    # globalData holds '' until onLaunch picks the backend: the placeholder is no URL.
    app = """
        App({
          globalData: { baseUrl: '' },
          onLaunch() {
            this.globalData.baseUrl = 'http://api.shop.example';
          },
        });
    """
    page = """
        Page({
          onLoad() {
            my.request({ url: getApp().globalData.baseUrl + '/items' });
          },
        });
    """
    files = program({"app.js": app, INDEX: page})
    assert _places(files, INSECURE_URL) == [(INDEX, 3, 23)]
