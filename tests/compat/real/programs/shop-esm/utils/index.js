export { formatPrice, CURRENCY } from './price';
export * from './dates';
