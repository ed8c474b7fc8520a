import type { DataSource, EntityManager } from 'typeorm';
import { addLikesToLiveProducts, affectedRows, liveProductIds, type Statement } from '@catalogue/shared';

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
    const { sql, params } = this.insertNewStatement(likes);
    return affectedRows(await tx.query(sql, params as unknown[]));
  }

  /** insertNew's statement, for a batch sent in one round trip; its affected rows are the likes that went in. */
  insertNewStatement(likes: readonly LikeRow[]): Statement {
    return {
      sql: 'INSERT IGNORE INTO likes (id, product_id, user_id) VALUES ?',
      params: [likes.map((l) => [l.id, l.productId, l.userId])],
    };
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
  async pageOfProduct(
    tx: EntityManager,
    productId: number,
    afterId: string,
    limit: number,
  ): Promise<{ id: string; userId: string; createdAt: Date }[]> {
    const rows: { id: string; user_id: string; created_at: Date }[] = await tx.query(
      'SELECT id, user_id, created_at FROM likes WHERE product_id = ? AND id > ? ORDER BY id LIMIT ?',
      [productId, afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, userId: row.user_id, createdAt: row.created_at }));
  }

  /** The user's like of a product, locked until the transaction ends (an unlike removes it). */
  async lockLikeOf(tx: EntityManager, productId: number, userId: string): Promise<{ id: string; createdAt: Date } | undefined> {
    const rows: { id: string; created_at: Date }[] = await tx.query(
      'SELECT id, created_at FROM likes WHERE product_id = ? AND user_id = ? FOR UPDATE',
      [productId, userId],
    );
    return rows[0] ? { id: rows[0].id, createdAt: rows[0].created_at } : undefined;
  }

  /** Counts one like off a live product; false when the product is not live. */
  async decrementLiveProduct(tx: EntityManager, productId: number): Promise<boolean> {
    const result: unknown = await tx.query('UPDATE products SET likes = likes - 1 WHERE id = ? AND deleted_at IS NULL AND likes > 0', [
      productId,
    ]);
    return affectedRows(result) > 0;
  }

  /** Moves a like from `likes` to `removed_likes`, keeping its id and the id of the event that announced its removal. */
  async moveToRemoved(
    tx: EntityManager,
    like: { id: string; productId: number; userId: string; createdAt: Date },
    unlikeId: string,
  ): Promise<void> {
    await tx.query('INSERT INTO removed_likes (like_id, unlike_id, product_id, user_id, liked_at) VALUES (?, ?, ?, ?, ?)', [
      like.id,
      unlikeId,
      like.productId,
      like.userId,
      like.createdAt,
    ]);
    await tx.query('DELETE FROM likes WHERE id = ?', [like.id]);
  }

  /** One page of a product's removed likes in like id order, for re-announcing their removal. */
  async pageOfRemoved(
    tx: EntityManager,
    productId: number,
    afterLikeId: string,
    limit: number,
  ): Promise<{ likeId: string; unlikeId: string; userId: string; removedAt: Date }[]> {
    const rows: { like_id: string; unlike_id: string; user_id: string; removed_at: Date }[] = await tx.query(
      'SELECT like_id, unlike_id, user_id, removed_at FROM removed_likes WHERE product_id = ? AND like_id > ? ORDER BY like_id LIMIT ?',
      [productId, afterLikeId, limit],
    );
    return rows.map((row) => ({ likeId: row.like_id, unlikeId: row.unlike_id, userId: row.user_id, removedAt: row.removed_at }));
  }

  /** Which of these products the user likes now (a like taken back is no longer among them). */
  async likedAmong(userId: string, productIds: number[]): Promise<number[]> {
    const rows: { product_id: number }[] = await this.dataSource.query(
      'SELECT product_id FROM likes WHERE user_id = ? AND product_id IN (?)',
      [userId, productIds],
    );
    return rows.map((r) => Number(r.product_id));
  }
}
