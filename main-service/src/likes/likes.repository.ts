import type { DataSource, EntityManager } from 'typeorm';
import { addLikesToLiveProducts, affectedRows, liveProductIds } from '@catalogue/shared';

export interface LikeRow {
  id: string;
  productId: number;
  userId: string;
}

/** Likes and the per-product like count in main's schema; every call is one statement for a whole batch. */
export class LikesRepository {
  constructor(private readonly dataSource: DataSource) {}

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

  incrementLiveProducts(tx: EntityManager, counts: Map<number, number>): Promise<number> {
    return addLikesToLiveProducts(tx, counts);
  }

  liveProductIds(tx: EntityManager, ids: number[]): Promise<Set<number>> {
    return liveProductIds(tx, ids);
  }

  /** One page of a product's likes in id order, for re-announcing them. */
  async pageOfProduct(tx: EntityManager, productId: number, afterId: string, limit: number): Promise<{ id: string; userId: string; createdAt: Date }[]> {
    const rows: { id: string; user_id: string; created_at: Date }[] = await tx.query(
      'SELECT id, user_id, created_at FROM likes WHERE product_id = ? AND id > ? ORDER BY id LIMIT ?',
      [productId, afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, userId: row.user_id, createdAt: row.created_at }));
  }

  /** Which of these products the user has liked (live or not: a like is never undone). */
  async likedAmong(userId: string, productIds: number[]): Promise<number[]> {
    const rows: { product_id: number }[] = await this.dataSource.query('SELECT product_id FROM likes WHERE user_id = ? AND product_id IN (?)', [userId, productIds]);
    return rows.map((r) => Number(r.product_id));
  }
}
