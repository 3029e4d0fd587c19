const DAY_MS = 24 * 60 * 60 * 1000;

Component({
  props: { days: 7, onPick: () => {} },
  data: { dates: [], active: 0 },
  didMount() {
    const start = Date.now();
    const dates = [];
    for (let i = 0; i < this.props.days; i += 1) {
      const d = new Date(start + i * DAY_MS);
      dates.push({ label: `${d.getMonth() + 1}/${d.getDate()}`, value: d.toISOString().slice(0, 10) });
    }
    this.setData({ dates });
  },
  didUpdate(prevProps) {
    if (prevProps.days !== this.props.days) {
      this.setData({ active: 0 });
    }
  },
  methods: {
    pick(e) {
      const index = e.currentTarget.dataset.index;
      this.setData({ active: index });
      this.props.onPick(this.data.dates[index].value);
    },
  },
});
