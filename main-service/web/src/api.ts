import { callApi } from '@catalogue/web-kit';

export interface Product {
  id: number;
  title: string;
  image: string;
  likes: number;
}

export const PAGE_SIZE = 12;

/** One page of the list: its products, the next page's URL, and the change feed position it was read at. */
export interface ProductPage {
  products: Product[];
  next?: string;
  /** Every change up to this live-stream id shows in it (the API's Changes-Position header). */
  position?: number;
}

/** The first page, or the page a Link header pointed to. */
export async function listProducts(pageUrl: string | undefined, signal: AbortSignal): Promise<ProductPage> {
  const { data, next, headers } = await callApi<Product[]>(pageUrl ?? `/api/products?limit=${PAGE_SIZE}`, { signal });
  const position = Number(headers.get('changes-position') ?? Number.NaN);
  return { products: data, ...(next ? { next } : {}), ...(Number.isInteger(position) ? { position } : {}) };
}

/** Which of these products the signed-in person has already liked. */
export async function likedAmong(productIds: number[], token: string, signal: AbortSignal): Promise<Set<number>> {
  if (productIds.length === 0) return new Set();
  const { data } = await callApi<{ liked: number[] }>(`/api/me/likes?products=${productIds.join(',')}`, { token, signal });
  return new Set(data.liked);
}

export async function like(productId: number, token: string): Promise<void> {
  await callApi(`/api/products/${productId}/like`, { method: 'POST', token });
}

/** Takes the like back; succeeds too when there was none (the API is idempotent). */
export async function unlike(productId: number, token: string): Promise<void> {
  await callApi(`/api/products/${productId}/like`, { method: 'DELETE', token });
}
