import { z } from 'zod';
import { productIdSchema, productImageSchema, productTitleSchema } from './events';

const versionSchema = z.number().int().positive().max(2_147_483_647);
const countSchema = z.number().int().min(0);

/**
 * One row of admin's product snapshot (`GET /internal/products/snapshot`): live products carry
 * their title and image; a deleted one is a tombstone with its deletion version, which main applies
 * exactly like a product_deleted event.
 */
export const adminSnapshotRowSchema = z.discriminatedUnion('deleted', [
  z.object({
    id: productIdSchema,
    deleted: z.literal(false),
    title: productTitleSchema,
    image: productImageSchema,
    version: versionSchema,
    likes: countSchema,
  }),
  z.object({ id: productIdSchema, deleted: z.literal(true), version: versionSchema, likes: countSchema }),
]);
export type AdminSnapshotRow = z.infer<typeof adminSnapshotRowSchema>;

/** One row of main's own snapshot (`GET /internal/products/snapshot` on main), for reconciliation. */
export const mainSnapshotRowSchema = z.object({
  id: productIdSchema,
  deleted: z.boolean(),
  title: z.string(),
  image: z.string(),
  version: versionSchema,
  /** The products.likes column. */
  likes: countSchema,
  /** Rows in the likes table for this product: what admin's count must equal. */
  likeRows: countSchema,
  /** Likes taken back (decision 0024); absent from a main older than unlikes. */
  removedLikes: countSchema.default(0),
});
export type MainSnapshotRow = z.infer<typeof mainSnapshotRowSchema>;

/** A page of either snapshot; `next` is the `after` for the following page, null on the last. */
export function snapshotPageSchema<T extends z.ZodType>(row: T) {
  return z.object({ items: z.array(row), next: productIdSchema.nullable() });
}
export interface SnapshotPage<T> {
  items: T[];
  next: number | null;
}

export const SNAPSHOT_LIMIT_DEFAULT = 200;
export const SNAPSHOT_LIMIT_MAX = 1000;

/** `?after=<id>&limit=<n>` of the snapshot endpoints: the limit is refused above the maximum, not clamped. */
export const snapshotQuerySchema = z.object({
  after: z.coerce
    .number({ error: 'must be a product id' })
    .int('must be a product id')
    .min(0, 'must be a product id')
    .max(2_147_483_647)
    .default(0),
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(SNAPSHOT_LIMIT_MAX, `must be at most ${SNAPSHOT_LIMIT_MAX}`)
    .default(SNAPSHOT_LIMIT_DEFAULT),
});
export type SnapshotQuery = z.infer<typeof snapshotQuerySchema>;

/** Builds a page from `limit + 1` rows read in id order. */
export function snapshotPageOf<T extends { id: number }>(rowsPlusOne: T[], limit: number): SnapshotPage<T> {
  if (rowsPlusOne.length <= limit) return { items: rowsPlusOne, next: null };
  const items = rowsPlusOne.slice(0, limit);
  return { items, next: items[items.length - 1]!.id };
}
