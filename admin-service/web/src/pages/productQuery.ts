import type { Product } from '../api';

export const SORTS = [
  { value: '', label: 'Oldest first' },
  { value: '-id', label: 'Newest first' },
  { value: 'title', label: 'Title A–Z' },
  { value: '-title', label: 'Title Z–A' },
  { value: '-likes', label: 'Most liked' },
  { value: 'likes', label: 'Least liked' },
] as const;

export const PAGE_SIZE = 20;

export function firstPageUrl(q: string, sort: string): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (q) params.set('q', q);
  if (sort) params.set('sort', sort);
  return `/api/products?${params.toString()}`;
}

function compare(sort: string): ((a: Product, b: Product) => number) | undefined {
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  const sign = descending ? -1 : 1;
  if (field === 'title') return (a, b) => sign * a.title.localeCompare(b.title) || a.id - b.id;
  if (field === 'likes') return (a, b) => sign * (a.likes - b.likes) || a.id - b.id;
  if (field === 'id') return (a, b) => sign * (a.id - b.id);
  return undefined;
}

/**
 * A server without search and sort (the parameters arrived with a later change) answers its
 * default order unfiltered. Then this page is filtered and sorted here, and the caller says so.
 */
export function applyLocally(products: Product[], q: string, sort: string): { products: Product[]; degraded: boolean } {
  let result = products;
  let degraded = false;
  const needle = q.trim().toLowerCase();
  if (needle && result.some((p) => !p.title.toLowerCase().includes(needle))) {
    result = result.filter((p) => p.title.toLowerCase().includes(needle));
    degraded = true;
  }
  const order = compare(sort);
  if (order) {
    const sorted = [...result].sort(order);
    if (sorted.some((p, i) => p !== result[i])) {
      result = sorted;
      degraded = true;
    }
  }
  return { products: result, degraded };
}
