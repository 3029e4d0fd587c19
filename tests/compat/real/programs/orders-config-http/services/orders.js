import { API_BASE, LEGACY_BASE, TIMEOUT_MS } from '../config/env';

export function currentOrders(onDone) {
  my.request({
    url: API_BASE + '/orders/current',
    timeout: TIMEOUT_MS,
    success: (res) => onDone(res.data.orders),
    fail: () => onDone([]),
  });
}

export function orderHistory(onDone) {
  my.request({
    url: LEGACY_BASE + '/orders/history',
    timeout: TIMEOUT_MS,
    success: (res) => onDone(res.data.records),
    fail: () => onDone([]),
  });
}
