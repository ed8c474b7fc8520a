import { callApi, type ApiAnswer } from '@catalogue/web-kit';

export interface Product {
  id: number;
  title: string;
  image: string;
  likes: number;
}

export const PAGE_SIZE = 12;

/** The first page, or the page a Link header pointed to. */
export function listProducts(pageUrl: string | undefined, signal: AbortSignal): Promise<ApiAnswer<Product[]>> {
  return callApi<Product[]>(pageUrl ?? `/api/products?limit=${PAGE_SIZE}`, { signal });
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
