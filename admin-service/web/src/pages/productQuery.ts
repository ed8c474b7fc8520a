import { ApiError } from '@catalogue/web-kit';
import type { Call, Product } from '../api';
import { apiPageUrl } from './addressPaging';

/** The API's `sort` values (`key[:asc|desc]`); empty is its default order (oldest first, or best match when searching). */
export const SORTS = [
  { value: '', label: 'Default order' },
  { value: 'newest', label: 'Newest first' },
  { value: 'title', label: 'Title A–Z' },
  { value: 'title:desc', label: 'Title Z–A' },
  { value: 'likes', label: 'Most liked' },
  { value: 'likes:asc', label: 'Least liked' },
] as const;

export const PAGE_SIZE = 20;

/** The API URL of the products page the console's address names: its search, sort and cursor. */
export function pageUrlOf(address: URLSearchParams): string {
  return apiPageUrl('/api/products', address, PAGE_SIZE, ['q', 'sort']);
}

const DEFAULT_DIRECTION: Record<string, 'asc' | 'desc'> = { newest: 'desc', title: 'asc', likes: 'desc' };

/**
 * The sort as the menu names it: the API spells a sort in full in its Link headers (`title:asc`),
 * the menu by its key alone when the direction is the key's own (`title`).
 */
export function menuSort(sort: string): string {
  const [key = '', direction] = sort.split(':');
  return direction !== undefined && DEFAULT_DIRECTION[key] === direction ? key : sort;
}

/** Compares two products by a sort key alone (ties are equal), or undefined for an unknown sort. */
function byKey(sort: string): ((a: Product, b: Product) => number) | undefined {
  const [key = '', direction] = sort.split(':');
  const sign = (direction ?? DEFAULT_DIRECTION[key]) === 'desc' ? -1 : 1;
  if (key === 'title') return (a, b) => sign * a.title.localeCompare(b.title, undefined, { sensitivity: 'base' });
  if (key === 'likes') return (a, b) => sign * (a.likes - b.likes);
  if (key === 'newest') return (a, b) => sign * (a.id - b.id);
  return undefined;
}

/** Lower case without accents, as the API's search compares. */
const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/** Every word of the search appears in the title (the API matches words, accents and case aside). */
function matches(product: Product, q: string): boolean {
  const title = fold(product.title);
  return fold(q)
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => title.includes(word));
}

/**
 * A server without search and sort (the parameters arrived with a later change) answers its
 * default order unfiltered. Then the rows are filtered and sorted here, and the caller says so.
 */
export function applyLocally(products: Product[], q: string, sort: string): { products: Product[]; filtered: boolean; sorted: boolean } {
  let result = products;
  let filtered = false;
  let sorted = false;
  if (q.trim() && !result.every((p) => matches(p, q))) {
    result = result.filter((p) => matches(p, q));
    filtered = true;
  }
  const compare = byKey(sort);
  if (compare && result.some((p, i) => i > 0 && compare(result[i - 1]!, p) > 0)) {
    result = [...result].sort((a, b) => compare(a, b) || a.id - b.id);
    sorted = true;
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
