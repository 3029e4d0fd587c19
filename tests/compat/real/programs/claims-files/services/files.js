const UPLOAD_BASE = 'http://upload.shop.example';
const DOCS_BASE = 'https://docs.insurer-partner.example';

export function uploadReceipt(filePath) {
  return new Promise((resolve, reject) => {
    my.uploadFile({
      url: UPLOAD_BASE + '/receipts',
      fileType: 'image',
      fileName: 'receipt',
      filePath,
      success: (res) => resolve(JSON.parse(res.data).id),
      fail: reject,
    });
  });
}

export function downloadPolicy(policyId) {
  return new Promise((resolve, reject) => {
    my.downloadFile({
      url: `${DOCS_BASE}/policies/${policyId}.pdf`,
      success: ({ apFilePath }) => resolve(apFilePath),
      fail: reject,
    });
  });
}

export function legacyStatus(claimId, done) {
  // Written for an old host; kept "for compatibility".
  my.httpRequest({
    url: 'https://api.shop.example/claims/' + claimId,
    success: (res) => done(res.data.status),
  });
}
