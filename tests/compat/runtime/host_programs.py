"""Mini programs that use the host as real code does: every JSAPI of the table with the
result shape it documents, selector queries, page instances, server data read deeply, and
programs with their own ``my`` properties and guards. Each checks what it reads and throws
when a shape is wrong, so a thin host is a finding, not a silent pass."""

from __future__ import annotations

from textwrap import dedent
from typing import Final

# Throws where a device would have answered differently.
EXPECT: Final = (
    "function expect(ok, what) {\n"
    "  if (!ok) throw new Error('host answered wrongly: ' + what);\n}\n"
)

SYSTEM_PAGE: Final = EXPECT + dedent(
    """
    Page({
      data: { width: 0 },
      async onLoad() {
        const info = my.getSystemInfoSync();
        expect(info.screen.width > 0 && info.windowWidth > 0 && info.pixelRatio >= 1, 'screen');
        expect(['iOS', 'Android', 'iPhone OS'].includes(info.platform), 'platform');
        expect(info.version.split('.').length === 3 && info.titleBarHeight > 0, 'version');
        this.setData({ width: info.windowWidth * 750 / info.screenWidth });
        const asyncInfo = await my.getSystemInfo();
        expect(asyncInfo.statusBarHeight + asyncInfo.titleBarHeight > 0, 'async system info');
        my.getOpenUserInfo({
          success: (res) => {
            const user = JSON.parse(res.response).response;
            expect(user.code === '10000' && user.nickName.length > 0, 'open user info');
            this.setData({ avatar: user.avatar, city: user.city });
          },
        });
        const phone = await my.getPhoneNumber();
        expect(typeof JSON.parse(phone.response).sign === 'string', 'phone number');
        const { authCode } = await my.getAuthCode({ scopes: 'auth_user' });
        expect(authCode.length > 0, 'auth code');
        const where = await my.getLocation({ type: 1 });
        expect(parseFloat(where.latitude) > 0 && where.city.length > 0, 'location');
        const images = await my.chooseImage({ count: 1 });
        const image = await my.getImageInfo({ src: images.apFilePaths[0] });
        expect(image.width * image.height > 0, 'image info');
        const setting = await my.getSetting();
        expect(setting.authSetting.userInfo === true, 'setting');
        my.tradePay({ tradeNO: '26', success: (r) => expect(r.resultCode === '9000', 'pay') });
        expect(my.getAccountInfoSync().miniProgram.appId.length > 0, 'account');
        expect(typeof my.getLaunchOptionsSync().query === 'object', 'launch options');
        expect(my.getEnterOptionsSync().scene > 0, 'enter options');
        expect((await my.getClipboard()).text.trim() === '', 'clipboard');
        expect((await my.scan({ type: 'qr' })).code.startsWith('http'), 'scan');
        expect((await my.confirm({ content: 'go?' })).confirm === true, 'confirm');
        expect((await my.prompt({ title: 'name' })).inputValue.trim() === '', 'prompt');
        expect((await my.showActionSheet({ items: ['a', 'b'] })).index === 0, 'action sheet');
        const network = await my.getNetworkType();
        const type = network.networkAvailable ? 'wifi' : 'notreachable';
        expect(network.networkType.toLowerCase() === type, 'network');
        my.setStorageSync({ key: 'cart', data: { items: [1, 2] } });
        expect(my.getStorageSync({ key: 'cart' }).data.items.length === 2, 'storage');
        expect((await my.getStorage({ key: 'none' })).data === null, 'empty storage');
      },
      onReady() {
        const manager = my.getUpdateManager();
        manager.onCheckForUpdate((res) => expect(res.hasUpdate === false, 'update'));
        manager.onUpdateReady(() => manager.applyUpdate());
        const animation = my.createAnimation({ duration: 300 });
        animation.opacity(0).translateY(20).step();
        this.setData({ fade: animation.export() });
        const canvas = my.createCanvasContext('chart');
        canvas.setFillStyle('#fff');
        canvas.fillRect(0, 0, 10, 10);
        expect(canvas.measureText('42').width >= 0, 'measure text');
        canvas.draw();
        canvas.toTempFilePath({ success: (res) => this.setData({ chart: res.apFilePath }) });
        my.createMapContext('map').getCenterLocation({
          success: (res) => expect(res.longitude > 0, 'map centre'),
        });
        const audio = my.getBackgroundAudioManager();
        audio.src = 'https://cdn.example.com/a.mp3';
        expect(audio.src === 'https://cdn.example.com/a.mp3' && audio.paused, 'audio');
        audio.onPlay(() => {});
        my.onNetworkStatusChange((res) => this.setData({ online: res.isConnected }));
        my.navigateTo({ url: '/pages/detail/detail', success: (r) => r.eventChannel.emit('hi') });
      },
    });
    """
)

QUERY_PAGE: Final = EXPECT + dedent(
    """
    Page({
      onReady() {
        my.createSelectorQuery()
          .select('#header').boundingClientRect()
          .selectAll('.card').boundingClientRect()
          .selectViewport().scrollOffset()
          .selectViewport().boundingClientRect()
          .select('#list').fields({ size: true, scrollOffset: true, dataset: true })
          .exec((res) => {
            expect(res.length === 5, 'one result per query');
            expect(res[0].bottom - res[0].top === res[0].height, 'rect');
            expect(res[1].map((card) => card.width).length >= 1, 'all rects');
            expect(res[2].scrollTop === 0, 'scroll offset');
            expect(res[3].height > 0 && res[3].width > 0, 'viewport');
            expect(res[4].height >= 0 && res[4].scrollTop === 0, 'fields');
            this.setData({ headerHeight: res[0].height });
          });
        my.createSelectorQuery().in(this).select('#canvas').node().exec(([first]) => {
          const context = first.node.getContext('2d');
          context.fillRect(0, 0, 1, 1);
        });
      },
    });
    """
)

INSTANCE_PAGE: Final = EXPECT + dedent(
    """
    const card = require('../../components/card/card');
    Page({
      data: { list: [1, 2, 3], user: { name: '' } },
      onLoad(query) {
        expect(typeof query === 'object' && this.options === query, 'query');
        const channel = this.getOpenerEventChannel();
        channel.on('order', (order) => this.setData({ order }));
        channel.once('ready', () => {});
        channel.emit('order', { id: 1 });
        expect(this.data.order.id === 1, 'event channel');
        channel.off('order');
        expect(this.route === 'pages/instance/instance' && typeof this.$id === 'number', 'route');
        expect(getCurrentPages()[0] === this, 'current pages');
      },
      onReady() {
        this.selectComponent('#dialog').show({ title: 'hi' });
        const form = this.selectComponent('#form');
        if (form && form.data.valid) form.reset();
        this.selectAllComponents('.item').forEach((item) => item.refresh());
        this.$spliceData({ list: [1, 1, 9, 9] });
        expect(this.data.list.join() === '1,9,9,3', 'splice data');
        this.$batchedUpdates(() => {
          this.setData({ 'user.name': 'ann', 'list[0]': 0 });
        });
        expect(this.data.user.name === 'ann' && this.data.list[0] === 0, 'batched set data');
        expect(card.ready === true, 'component module');
      },
    });
    """
)

CARD_COMPONENT: Final = dedent(
    """
    Component({
      mixins: [],
      props: { title: '' },
      didMount() { this.setData({ open: true }); },
      methods: { toggle() { this.setData({ open: !this.data.open }); } },
    });
    module.exports = { ready: true };
    """
)

# The server's answer is unknown: every way code reads it must work. The fail callback's
# crash happens only offline, at the line marked below.
SERVER_PAGE: Final = EXPECT + dedent(
    """
    Page({
      data: { titles: [] },
      onLoad() {
        my.request({
          url: 'https://api.shop.example/feed',
          success: (res) => {
            expect(typeof res.data === 'object' && res.status === 200, 'response');
            const titles = res.data.data.list.map((item) => item.title.trim());
            const count = res.data.items.length;
            expect(typeof count === 'number', 'length');
            const parsed = JSON.parse(res.data).x.y;
            const total = res.data.items.reduce((sum, item) => sum + item.price, 0);
            const price = (res.data.price * 100).toFixed(2) + res.data.price.toFixed(2);
            for (const item of res.data.items) item.id.toString();
            const copy = [...res.data.list, ...Array.from(res.data.tags)];
            const keys = Object.keys(res.data).concat(Object.entries(res.data.user));
            const when = new Date(res.data.createdAt.replace(/-/g, '/')).toISOString();
            const label = `${res.data.user.name} (${res.data.user.level})`;
            const first = res.data.list[0].cover.url.split('?')[0];
            const found = res.data.list.find((item) => item.id === 1).name;
            if (res.data.count > 10 || res.data.code == 0) this.more = true;
            my.setStorageSync({ key: 'feed', data: res.data });
            const cached = my.getStorageSync({ key: 'feed' }).data;
            const again = JSON.parse(JSON.stringify(res.data)).data.list.length;
            this.setData({ titles, count, parsed, total, price, copy, keys, when, label, first,
                           found, cached: cached.list.slice(0, 3), again, raw: res.data });
            this.setData(res.data);
          },
          fail: (err) => {
            throw new Error('feed failed: ' + err.errorMessage); // offline crash
          },
        });
      },
      async onShow() {
        const res = await my.request({ url: 'https://api.shop.example/me', dataType: 'json' })
          .catch(() => ({ data: { name: 'guest' } }));
        this.setData({ name: res.data.name.slice(0, 8) });
        my.httpRequest({ url: 'https://api.shop.example/old', success: (r) => r.data.ok.at(0) });
        my.uploadFile({ url: 'https://api.shop.example/up', filePath: 'a.png', fileName: 'file',
          success: (r) => JSON.parse(r.data).url.includes('https') });
      },
    });
    """
)

# Its own my.* properties, then every guard form around APIs the partner app lacks, then
# those APIs called without a guard, each at its line marked "unguarded".
OWN_AND_GUARDS_APP: Final = dedent(
    """
    my.fncontext = { callFunction: (o) => Promise.resolve({ result: { name: o.name } }) };
    Object.assign(my, { tracker: { log: (event) => event } });
    my.shop = {};
    my.shop.cart = { size: 2 };
    App({
      async onLaunch() {
        const res = await my.fncontext.callFunction({ name: 'login' });
        my.tracker.log(res.result.name.toUpperCase() + my.shop.cart.size);
        if (my.canIUse('scan')) my.scan({});
        if (my.canIUse('ap.navigateToAlipayPage')) my.ap.navigateToAlipayPage({ path: 'a' });
        if (my.getOpenUserInfo) my.getOpenUserInfo({});
        if (typeof my.scan === 'function') my.scan({});
        my.scan && my.scan({});
        my.scan?.({});
        if (my.ap && my.ap.navigateToAlipayPage) my.ap.navigateToAlipayPage({});
        if ('scan' in my) my.scan({});
        try { my.getOpenUserInfo({}); } catch (e) { my.tracker.log('no user info'); }
      },
    });
    """
)

UNGUARDED_PAGE: Final = dedent(
    """
    Page({
      onLoad() {
        my.request({ url: 'https://api.shop.example/list?page=1' });
        my.scan({ type: 'qr' }); // unguarded my.scan
      },
      onShow() {
        const { getAuthCode } = my;
        setTimeout(() => getAuthCode({ scopes: 'auth_base' }), 5); // unguarded my.getAuthCode
        setTimeout(() => {
          // the next line: unguarded my.ap.navigateToAlipayPage
          my.ap.navigateToAlipayPage({ path: 'https://render.alipay.com/p/s/x' });
        }, 10);
      },
      async onReady() {
        await my.request({ url: 'https://api.shop.example/ready' });
        const user = my.getOpenUserInfo(); // unguarded my.getOpenUserInfo
        this.setData({ user });
      },
    });
    """
)


def line_of(source: str, marker: str) -> int:
    """The 1-based line of ``source`` holding ``marker`` (exactly one does)."""
    lines = [number for number, text in enumerate(source.splitlines(), 1) if marker in text]
    assert len(lines) == 1, (marker, lines)
    return lines[0]
