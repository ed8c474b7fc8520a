import type { DataSource, EntityManager } from 'typeorm';
import { affectedRows } from '@catalogue/shared';

/** Likes and the per-product like count in main's schema. */
export class LikesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Counts the like on a live product; false when there is no such product. */
  async incrementLiveProduct(tx: EntityManager, productId: number): Promise<boolean> {
    const result = await tx.query('UPDATE products SET likes = likes + 1 WHERE id = ? AND deleted_at IS NULL', [productId]);
    return affectedRows(result) === 1;
  }

  async insert(tx: EntityManager, like: { id: string; productId: number; userId: string }): Promise<void> {
    await tx.query('INSERT INTO likes (id, product_id, user_id) VALUES (?, ?, ?)', [like.id, like.productId, like.userId]);
  }

  async findId(tx: EntityManager, productId: number, userId: string): Promise<string | undefined> {
    const rows: { id: string }[] = await tx.query('SELECT id FROM likes WHERE product_id = ? AND user_id = ?', [productId, userId]);
    return rows[0]?.id;
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
