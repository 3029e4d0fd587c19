import { downloadPolicy } from '../../services/files';

Page({
  data: { policyId: 'P-2024-001' },
  onLoad() {},
  openPolicy() {
    downloadPolicy(this.data.policyId).then((path) => my.previewImage({ urls: [path] }));
  },
});
