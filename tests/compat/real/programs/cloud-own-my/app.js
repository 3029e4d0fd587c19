const { createCloud, createStore } = require('./lib/cloud');

my.fncontext = createCloud();
my.$store = createStore();

App({
  onLaunch() {
    my.$store.set('cart', []);
    my.fncontext.callFunction({ name: 'session' }).then((res) => {
      my.$store.set('session', res.result.token);
    }, () => {});
  },
});
