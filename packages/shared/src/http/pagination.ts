import { z } from 'zod';
import { snapshotQuerySchema, type SnapshotQuery } from '../contracts/snapshot';
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
  after: z.coerce.number({ error: 'must be a product id' }).int('must be a product id').min(0, 'must be a product id').max(2_147_483_647).optional(),
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
