export function formatPrice(cents) {
  return (Number(cents) / 100).toFixed(2);
}

export const CURRENCY = 'CNY';
