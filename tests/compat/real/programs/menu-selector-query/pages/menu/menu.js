Page({
  data: { sections: ['Coffee', 'Tea', 'Bakery'], sticky: false, offsets: [] },
  onReady() {
    my.createSelectorQuery()
      .select('#menu-header')
      .boundingClientRect()
      .selectAll('.section')
      .boundingClientRect()
      .selectViewport()
      .scrollOffset()
      .exec((res) => {
        const header = res[0];
        const sections = res[1];
        const viewport = res[2];
        this.headerHeight = header.height;
        this.setData({
          sticky: viewport.scrollTop > header.top,
          offsets: sections.map((rect) => rect.top - header.height),
        });
      });
  },
  onPageScroll(e) {
    this.setData({ sticky: e.scrollTop > this.headerHeight });
  },
});
