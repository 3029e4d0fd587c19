import promisify from '../utils/promisify';

const BASE = 'https://api.shop.example/ledger';
const request = promisify(my.request);

export async function summary() {
  const [balance, records] = await Promise.all([
    request({ url: `${BASE}/balance` }),
    request({ url: `${BASE}/records`, data: { limit: 50 } }),
  ]);
  const spent = records.data.data.records
    .filter((r) => r.amount < 0)
    .reduce((sum, r) => sum + Math.abs(r.amount), 0);
  return {
    balance: balance.data.data.available,
    spent: Number(spent).toFixed(2),
    count: records.data.data.records.length,
  };
}

export async function month(key) {
  const res = await request({ url: `${BASE}/months/${key}` });
  const { days } = res.data.data;
  return Object.keys(days).map((day) => ({ day, total: days[day].total }));
}
