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

  /** Which of these products the user has liked (live or not: a like is never undone). */
  async likedAmong(userId: string, productIds: number[]): Promise<number[]> {
    const rows: { product_id: number }[] = await this.dataSource.query('SELECT product_id FROM likes WHERE user_id = ? AND product_id IN (?)', [userId, productIds]);
    return rows.map((r) => Number(r.product_id));
  }
}
