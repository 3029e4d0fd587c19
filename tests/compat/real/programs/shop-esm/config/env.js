export const API_BASE = 'https://api.shop.example/v2';
export const CDN_BASE = 'https://img.cdn.example.com';
export default { API_BASE, CDN_BASE, pageSize: 20 };
