import type { EntityManager } from 'typeorm';
import { affectedRows } from '@catalogue/shared';

export interface LikeRow {
  id: string;
  productId: number;
  userId: string;
}

/** Likes and the per-product like count in main's schema; every call is one statement for a whole batch. */
export class LikesRepository {
  /**
   * Inserts the likes a (product, user) pair does not already have; returns how many went in.
   * IGNORE only skips duplicates here: ids are UUIDs, product ids checked integers and user ids
   * checked for length before they reach the batch.
   */
  async insertNew(tx: EntityManager, likes: LikeRow[]): Promise<number> {
    const result = await tx.query('INSERT IGNORE INTO likes (id, product_id, user_id) VALUES ?', [likes.map((l) => [l.id, l.productId, l.userId])]);
    return affectedRows(result);
  }

  /** Which of these like ids are stored. */
  async existingIds(tx: EntityManager, ids: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await tx.query('SELECT id FROM likes WHERE id IN (?)', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async remove(tx: EntityManager, ids: string[]): Promise<void> {
    await tx.query('DELETE FROM likes WHERE id IN (?)', [ids]);
  }

  /**
   * Adds each product's new likes to its count (in SQL, never read-modify-write), live products
   * only. Returns how many of the products were live.
   */
  async incrementLiveProducts(tx: EntityManager, counts: Map<number, number>): Promise<number> {
    const ids = [...counts.keys()];
    const cases = ids.map(() => 'WHEN ? THEN ?').join(' ');
    const result = await tx.query(`UPDATE products SET likes = likes + CASE id ${cases} END WHERE id IN (?) AND deleted_at IS NULL`, [
      ...ids.flatMap((id) => [id, counts.get(id)]),
      ids,
    ]);
    return affectedRows(result);
  }

  async liveProductIds(tx: EntityManager, ids: number[]): Promise<Set<number>> {
    const rows: { id: number }[] = await tx.query('SELECT id FROM products WHERE id IN (?) AND deleted_at IS NULL', [ids]);
    return new Set(rows.map((r) => Number(r.id)));
  }
}
