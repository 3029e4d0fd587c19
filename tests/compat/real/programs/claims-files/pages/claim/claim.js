import { uploadReceipt, legacyStatus } from '../../services/files';

Page({
  data: { claimId: '' },
  onLoad(query) {
    this.setData({ claimId: query.id || '' });
  },
  addReceipt() {
    my.chooseImage({
      count: 1,
      success: (res) => uploadReceipt(res.apFilePaths[0]).then((id) => this.setData({ receipt: id })),
    });
  },
  refresh() {
    legacyStatus(this.data.claimId, (status) => this.setData({ status }));
  },
});
