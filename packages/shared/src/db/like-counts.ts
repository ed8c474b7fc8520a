import type { EntityManager } from 'typeorm';
import { affectedRows } from './transaction';

// Both schemas keep a `products` table with a `likes` counter and a `deleted_at` tombstone; these are
// the two statements a batch of likes needs on either side.

/**
 * Adds each product's new likes to its counter in one statement (in SQL, never read-modify-write),
 * live products only. Returns how many of the products were live.
 */
export async function addLikesToLiveProducts(tx: EntityManager, counts: Map<number, number>): Promise<number> {
  const ids = [...counts.keys()];
  const cases = ids.map(() => 'WHEN ? THEN ?').join(' ');
  const result: unknown = await tx.query(`UPDATE products SET likes = likes + CASE id ${cases} END WHERE id IN (?) AND deleted_at IS NULL`, [
    ...ids.flatMap((id) => [id, counts.get(id)]),
    ids,
  ]);
  return affectedRows(result);
}

/** Which of these products are live (not tombstoned). */
export async function liveProductIds(tx: EntityManager, ids: number[]): Promise<Set<number>> {
  const rows: { id: number }[] = await tx.query('SELECT id FROM products WHERE id IN (?) AND deleted_at IS NULL', [ids]);
  return new Set(rows.map((r) => Number(r.id)));
}
