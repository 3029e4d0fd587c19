import get from './http';
import env from '../config/env';

export async function listProducts(page) {
  const body = await get('/products', { page, size: env.pageSize });
  return body.data.list.map((item) => ({
    id: item.id,
    title: item.title,
    price: item.price,
    cover: `${env.CDN_BASE}/${item.cover}`,
  }));
}

export async function productDetail(id) {
  const body = await get(`/products/${id}`);
  return body.data;
}
