import { z } from 'zod';
import { snapshotQuerySchema, type SnapshotQuery } from '../contracts/snapshot';
import { searchTerms, wordsOf } from '../db/fulltext';
import { decodeCursor, encodeCursor, queryFingerprint, type Position } from './cursor';
import { AppError, zodDetails } from './errors';

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

/** `?limit` (clamped to the maximum) and `?after=<id>` for keyset pagination. */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(PAGE_LIMIT_DEFAULT)
    .transform((n) => Math.min(n, PAGE_LIMIT_MAX)),
  after: z.coerce
    .number({ error: 'must be the id of a row in the list' })
    .int('must be the id of a row in the list')
    .min(0, 'must be the id of a row in the list')
    .max(2_147_483_647)
    .optional(),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export function parsePageQuery(query: Record<string, unknown>): PageQuery {
  const picked = { limit: single(query.limit), after: single(query.after) };
  const result = pageQuerySchema.safeParse(picked);
  if (!result.success) throw AppError.validation(zodDetails(result.error), 'the query is not valid');
  return result.data;
}

function single(value: unknown): unknown {
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value.length === 1 ? value[0] : Number.NaN;
  return value;
}

/** The page's rows and the RFC 8288 Link header to the next page, when there is one. */
export function pageOf<T extends { id: number }>(rowsPlusOne: T[], page: PageQuery, path: string): { items: T[]; link?: string } {
  if (rowsPlusOne.length <= page.limit) return { items: rowsPlusOne };
  const items = rowsPlusOne.slice(0, page.limit);
  const last = items[items.length - 1]!;
  return { items, link: `<${path}?limit=${page.limit}&after=${last.id}>; rel="next"` };
}

/** The query of the internal snapshot endpoints, or a 400 naming the bad parameter. */
export function parseSnapshotQuery(query: Record<string, unknown>): SnapshotQuery {
  const result = snapshotQuerySchema.safeParse({ limit: single(query.limit), after: single(query.after) });
  if (!result.success) throw AppError.validation(zodDetails(result.error), 'the query is not valid');
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Searchable, sortable lists: `q`, `sort`, filters, and an opaque `cursor` that works with every
// sort. `after=<id>` stays valid for the id order that existing clients page through.

export const SEARCH_MAX_LENGTH = 200;
export const SEARCH_MAX_WORDS = 16;
/**
 * Words the full-text index does not hold (under 3 characters, stop words) are matched with
 * `LIKE '%word%'` over the rows left: a search of only such words may read every live product.
 * A few are what people type ("tv stand", "4k tv"); more are refused (decision record 0019).
 */
export const SEARCH_MAX_UNINDEXED_WORDS = 4;
/** A search page holds fewer rows than a plain list page: ranking and substring matching cost per row. */
export const SEARCH_LIMIT_MAX = 100;

/** What a search may cost, read by both services. */
export const searchLimitsEnvShape = {
  /** The database stops a search (or filtered list) statement after this long: 503 `search_timed_out`. */
  SEARCH_TIME_LIMIT_MS: z.coerce.number().int().min(1).max(60_000).default(2000),
  /** Searches per client address per minute that the list cache did not answer. */
  SEARCHES_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().min(1).default(120),
} as const;

export const SORT_KEYS = ['newest', 'title', 'likes', 'relevance'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';
export interface Sort {
  key: SortKey;
  direction: SortDirection;
}

/** The direction a key sorts in when `sort` names no direction. */
const DEFAULT_DIRECTION: Record<SortKey, SortDirection> = { newest: 'desc', title: 'asc', likes: 'desc', relevance: 'desc' };
/** Without `q`: id order, oldest first, as the list has always answered. */
const ID_ORDER: Sort = { key: 'newest', direction: 'asc' };
const RELEVANCE: Sort = { key: 'relevance', direction: 'desc' };

export const sortName = (sort: Sort): string => `${sort.key}:${sort.direction}`;

export interface ListQuery<F = unknown> {
  limit: number;
  /** The search text, trimmed; absent when not given or blank. */
  q?: string;
  sort: Sort;
  filters: F;
  /** The page starts right after this row in the sort order. */
  after?: Position;
  /** `q`, `sort` (when given) and the filters as received, for the next page's link and the cursor's fingerprint. */
  carried: [string, string][];
}

/** The query of searchable, sortable lists; its descriptions are what the OpenAPI documents say. */
export const listQuerySchema = z.object({
  limit: pageQuerySchema.shape.limit.meta({ description: `Page size; values above ${PAGE_LIMIT_MAX} are clamped to ${PAGE_LIMIT_MAX}.` }),
  after: pageQuerySchema.shape.after.meta({
    description:
      'Kept for existing clients: products with an id greater than this. Only in the default id order (newest:asc), and not together with cursor.',
  }),
  q: z
    .string({ error: 'must be given once, as text' })
    .max(SEARCH_MAX_LENGTH, `must be at most ${SEARCH_MAX_LENGTH} characters`)
    .transform((s) => s.trim())
    .refine((s) => s === '' || wordsOf(s).length > 0, 'must contain a letter or a digit')
    .refine((s) => wordsOf(s).length <= SEARCH_MAX_WORDS, `must have at most ${SEARCH_MAX_WORDS} words`)
    .optional()
    .meta({
      description: `Search words (at most ${SEARCH_MAX_WORDS}, with a letter or digit); every word must appear in the title (case- and accent-insensitive; the last also as a prefix). Blank means no search.`,
    }),
  sort: z
    .string({ error: 'must be given once' })
    .regex(/^(newest|title|likes|relevance)(:(asc|desc))?$/, `must be one of ${SORT_KEYS.join(', ')}, optionally followed by :asc or :desc`)
    .optional()
    .meta({
      description:
        'Order, with the id as tie-breaker. Without a direction: newest (by id) descending, title ascending, likes descending, relevance descending (needs q). Default: relevance with q, otherwise newest:asc.',
    }),
  cursor: z
    .string({ error: 'must be given once' })
    .max(2048, 'is not a cursor this service gave out')
    .optional()
    .meta({ description: "Opaque position from a previous page's Link header; valid only for the query and sort that produced it." }),
});

/**
 * Parses a list's query string: paging, search, sort and the list's own filters (a zod object
 * over single string values). Every problem is reported at once as a 400.
 */
export function parseListQuery<S extends z.ZodObject>(query: Record<string, unknown>, filterSchema?: S): ListQuery<z.infer<S>> {
  const raw = pick(query, Object.keys(listQuerySchema.shape));
  const rawFilters = filterSchema ? pick(query, Object.keys(filterSchema.shape)) : {};
  const fields = listQuerySchema.safeParse(raw);
  const filters = filterSchema ? filterSchema.safeParse(rawFilters) : { success: true as const, data: {} };
  const details = [...(fields.success ? [] : zodDetails(fields.error)), ...(filters.success ? [] : zodDetails(filters.error))];
  if (!fields.success || !filters.success) throw AppError.validation(details, 'the query is not valid');

  const { after, cursor } = fields.data;
  const q = fields.data.q || undefined;
  if (q && searchTerms(q).substrings.length > SEARCH_MAX_UNINDEXED_WORDS) {
    throw new AppError(400, 'search_too_costly', 'the search has too many short or common words', [
      {
        field: 'q',
        reason: `at most ${SEARCH_MAX_UNINDEXED_WORDS} words that are shorter than 3 characters or very common (the, for, with...)`,
      },
    ]);
  }
  const limit = q ? Math.min(fields.data.limit, SEARCH_LIMIT_MAX) : fields.data.limit;
  const sort = fields.data.sort ? parseSort(fields.data.sort) : q ? RELEVANCE : ID_ORDER;
  if (sort.key === 'relevance' && !q) throw invalid('sort', 'relevance needs a search text (q)');
  if (sort.key === 'relevance' && sort.direction === 'asc') throw invalid('sort', 'relevance sorts descending only');

  const carried: [string, string][] = [];
  if (q) carried.push(['q', q]);
  if (fields.data.sort) carried.push(['sort', sortName(sort)]);
  for (const [name, value] of Object.entries(rawFilters)) if (value !== undefined) carried.push([name, String(value)]);

  const base = { limit, sort, filters: filters.data as z.infer<S>, carried, ...(q ? { q } : {}) };
  if (after !== undefined && cursor !== undefined) throw invalid('after', 'cannot be combined with cursor');
  if (after !== undefined) {
    if (!isIdOrder(sort))
      throw invalid('after', 'works only in id order (sort=newest:asc, the default without q); use the cursor from the Link header');
    return { ...base, after: { value: after, id: after } };
  }
  if (cursor !== undefined) return { ...base, after: positionFrom(cursor, sort, carried) };
  return base;
}

export function isIdOrder(sort: Sort): boolean {
  return sort.key === ID_ORDER.key && sort.direction === ID_ORDER.direction;
}

/**
 * The page (the extra row fetched beyond the limit tells there is more) and its Link header,
 * which carries the query along. In id order the link keeps the `after=<id>` form older clients
 * know; every other order gets an opaque cursor.
 */
export function listPageOf<R extends { id: number }, T>(
  rowsPlusOne: R[],
  list: ListQuery,
  path: string,
  sortValueOf: (row: R) => string | number,
  toItem: (row: R) => T,
): { items: T[]; link?: string } {
  const rows = rowsPlusOne.slice(0, list.limit);
  const items = rows.map(toItem);
  if (rowsPlusOne.length <= list.limit) return { items };
  const last = rows[rows.length - 1]!;
  const params = new URLSearchParams([...list.carried, ['limit', String(list.limit)]]);
  if (isIdOrder(list.sort)) params.set('after', String(last.id));
  else
    params.set(
      'cursor',
      encodeCursor({
        sort: sortName(list.sort),
        fingerprint: queryFingerprint(fingerprinted(list.carried)),
        position: { value: sortValueOf(last), id: last.id },
      }),
    );
  return { items, link: `<${path}?${params.toString()}>; rel="next"` };
}

function parseSort(raw: string): Sort {
  const [key, direction] = raw.split(':') as [SortKey, SortDirection | undefined];
  return { key, direction: direction ?? DEFAULT_DIRECTION[key] };
}

/** The cursor's position, once it proves to belong to this very query and sort. */
function positionFrom(raw: string, sort: Sort, carried: [string, string][]): Position {
  const content = decodeCursor(raw);
  if (!content) throw invalid('cursor', 'is not a cursor this service gave out');
  if (content.sort !== sortName(sort) || content.fingerprint !== queryFingerprint(fingerprinted(carried))) {
    throw invalid('cursor', 'belongs to a different query or sort; start again from the first page');
  }
  const { value, id } = content.position;
  const idOk = Number.isInteger(id) && id >= 0 && id <= 4_294_967_295;
  const valueOk =
    sort.key === 'title'
      ? typeof value === 'string' && [...value].length <= 200
      : sort.key === 'relevance'
        ? typeof value === 'number' && Number.isFinite(value) && value >= 0
        : typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 4_294_967_295;
  if (!idOk || !valueOk) throw invalid('cursor', 'is not a cursor this service gave out');
  return content.position;
}

/** The sort is checked on its own; the rest of the query must be the same for a cursor to apply. */
const fingerprinted = (carried: [string, string][]): [string, string][] => carried.filter(([name]) => name !== 'sort');

function invalid(field: string, reason: string): AppError {
  return AppError.validation([{ field, reason }], 'the query is not valid');
}

function pick(query: Record<string, unknown>, names: string[]): Record<string, string | number> {
  const picked: Record<string, string | number> = {};
  for (const name of names) {
    const value = single(query[name]);
    if (value !== undefined) picked[name] = typeof value === 'string' || typeof value === 'number' ? value : Number.NaN;
  }
  return picked;
}
