import { ApiError } from '@catalogue/web-kit';
import type { Call, Product } from '../api';

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
export function applyLocally(products: Product[], q: string, sort: string): { products: Product[]; filtered: boolean; sorted: boolean } {
  let result = products;
  let filtered = false;
  let sorted = false;
  const needle = q.trim().toLowerCase();
  if (needle && result.some((p) => !p.title.toLowerCase().includes(needle))) {
    result = result.filter((p) => p.title.toLowerCase().includes(needle));
    filtered = true;
  }
  const order = compare(sort);
  if (order) {
    const inOrder = [...result].sort(order);
    if (inOrder.some((p, i) => p !== result[i])) {
      result = inOrder;
      sorted = true;
    }
  }
  return { products: result, filtered, sorted };
}

/** How many server pages the console reads, at most, when it must search or sort by itself. */
const MAX_SCAN_PAGES = 10;

export interface ProductsPage {
  products: Product[];
  next?: string;
  /** The server ignored or refused search or sort, so the console did it over what it read. */
  degraded: boolean;
}

/**
 * One page of the table. A server that searches and sorts answers it in one call. One that does
 * not is read on, up to MAX_SCAN_PAGES pages, and what was read is filtered and sorted here and
 * shown as one longer page: exact for a small catalogue, and said so on screen.
 */
export async function loadProductsPage(call: Call, url: string, q: string, sort: string, signal: AbortSignal): Promise<ProductsPage> {
  const first = await fetchHonouring(call, url, signal);
  const local = applyLocally(first.data, q, sort);
  const degraded = first.refused || local.filtered || local.sorted;
  if (!degraded) return { products: first.data, ...(first.next ? { next: first.next } : {}), degraded };
  let products = local.products;
  let next = first.next;
  for (let reads = 1; next && reads < MAX_SCAN_PAGES; reads++) {
    const more = await fetchHonouring(call, next, signal);
    products = products.concat(applyLocally(more.data, q, '').products);
    next = more.next;
  }
  return { products: applyLocally(products, '', sort).products, ...(next ? { next } : {}), degraded };
}

/** A server that refuses q or sort by name is asked again without them. */
async function fetchHonouring(call: Call, url: string, signal: AbortSignal): Promise<{ data: Product[]; next?: string; refused: boolean }> {
  try {
    return { ...(await call<Product[]>(url, { signal })), refused: false };
  } catch (err) {
    const names = err instanceof ApiError && err.status === 400 ? err.details.map((d) => d.field) : [];
    if (!names.some((n) => n === 'q' || n === 'sort')) throw err;
    const plain = new URL(url, window.location.origin);
    plain.searchParams.delete('q');
    plain.searchParams.delete('sort');
    return { ...(await call<Product[]>(`${plain.pathname}${plain.search}`, { signal })), refused: true };
  }
}
