export const API_BASE = 'https://api.shop.example';
// The order history still lives on the old system, which never got a certificate.
export const LEGACY_BASE = 'http://legacy.shop.example';
export const TIMEOUT_MS = 8000;
