Component({
  props: { staff: null },
  data: { expanded: false },
  methods: {
    toggle() {
      this.setData({ expanded: !this.data.expanded });
    },
  },
});
