import { Inject, Injectable } from '@nestjs/common';
import {
  addLikesStatement,
  addLikesToLiveProducts,
  affectedRows,
  runStatements,
  liveProductIds,
  productListSql,
  queryWithTimeLimit,
  type ListQuery,
  type Sql,
} from '@catalogue/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { ADMIN_CONFIG } from '../common/tokens';
import type { AdminConfig } from '../config';
import { leaveUnlikeTombstone, markLikesApplied, markLikesAppliedStatement, markLikeTakenBack } from './applied-likes';
import type { ProductFilters } from './product-filters';

export interface Product {
  id: number;
  title: string;
  image: string;
  likes: number;
}

/** A product as the snapshot shows it, deleted ones included (ids are never reused). */
export interface ProductSnapshotRow {
  id: number;
  title: string;
  image: string;
  version: number;
  likes: number;
  deleted: boolean;
}

export interface ProductInput {
  title: string;
  image: string;
}

export interface ListedProduct {
  id: number;
  product: Product;
  sortValue: string | number;
}

const COLUMNS = 'id, title, image, likes';

function filterConditions(filters: ProductFilters): Sql[] {
  const conditions: Sql[] = [];
  if (filters.minLikes !== undefined) conditions.push({ sql: 'likes >= ?', params: [filters.minLikes] });
  if (filters.maxLikes !== undefined) conditions.push({ sql: 'likes <= ?', params: [filters.maxLikes] });
  if (filters.createdFrom) conditions.push({ sql: 'created_at >= ?', params: [filters.createdFrom] });
  if (filters.createdBefore) conditions.push({ sql: 'created_at < ?', params: [filters.createdBefore] });
  return conditions;
}

/** A new product's row (version 1, no likes); returns its id. Needs no settings, so a seed can call it too. */
export async function insertProduct(tx: EntityManager, input: ProductInput): Promise<number> {
  const result: { insertId: number } = await tx.query('INSERT INTO products (title, image) VALUES (?, ?)', [input.title, input.image]);
  return Number(result.insertId);
}

/**
 * Whether admin has ever had a product (deleted ones too), read with a lock on the first row, or
 * on the empty table's end, that holds until the transaction ends: a second caller waits.
 */
export async function anyProductLocked(tx: EntityManager): Promise<boolean> {
  const rows: unknown[] = await tx.query('SELECT id FROM products ORDER BY id LIMIT 1 FOR UPDATE');
  return rows.length > 0;
}

/** Explicit SQL over admin's products: every write is one statement, like counts change only in SQL. */
@Injectable()
export class ProductsRepository {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  /** One row more than the list's limit, each with the value it was sorted by (for the cursor). */
  async listLive(list: ListQuery<ProductFilters>): Promise<ListedProduct[]> {
    const statement = productListSql(list, { table: 'products', columns: COLUMNS, filters: filterConditions(list.filters) });
    type Row = Product & { sort_value: string | number };
    // Searches and filters may read every live row: the database stops them at the time limit.
    const rows: Row[] = statement.indexBounded
      ? await this.dataSource.query(statement.sql, statement.params)
      : await queryWithTimeLimit<Row>(this.dataSource, statement, this.config.SEARCH_TIME_LIMIT_MS);
    return rows.map(({ sort_value, ...product }) => ({ id: product.id, product, sortValue: sort_value }));
  }

  async findLive(id: number): Promise<Product | undefined> {
    const rows: Product[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM products WHERE id = ? AND deleted_at IS NULL`, [id]);
    return rows[0];
  }

  /** Returns the product and its new version, or undefined when there is no live product with that id. */
  async update(tx: EntityManager, id: number, input: ProductInput): Promise<(Product & { version: number }) | undefined> {
    const result: unknown = await tx.query(
      'UPDATE products SET title = ?, image = ?, version = version + 1 WHERE id = ? AND deleted_at IS NULL',
      [input.title, input.image, id],
    );
    if (affectedRows(result) === 0) return undefined;
    const rows: (Product & { version: number })[] = await tx.query(`SELECT ${COLUMNS}, version FROM products WHERE id = ?`, [id]);
    return rows[0];
  }

  /** Returns the version the deletion gave the product, or undefined when it was not live. */
  async softDelete(tx: EntityManager, id: number): Promise<number | undefined> {
    const result: unknown = await tx.query(
      'UPDATE products SET deleted_at = NOW(3), version = version + 1 WHERE id = ? AND deleted_at IS NULL',
      [id],
    );
    if (affectedRows(result) === 0) return undefined;
    const rows: { version: number }[] = await tx.query('SELECT version FROM products WHERE id = ?', [id]);
    return rows[0]?.version;
  }

  /** Records likes as applied (counted or set aside), each once; returns how many were new. */
  markLikesApplied(tx: EntityManager, likeIds: string[]): Promise<number> {
    return markLikesApplied(tx, likeIds);
  }

  markLikeTakenBack(tx: EntityManager, likeId: string): Promise<boolean> {
    return markLikeTakenBack(tx, likeId);
  }

  leaveUnlikeTombstone(tx: EntityManager, likeId: string): Promise<void> {
    return leaveUnlikeTombstone(tx, likeId);
  }

  /** Counts one like off a live product (never below zero). */
  async removeLike(tx: EntityManager, id: number): Promise<boolean> {
    const result: unknown = await tx.query('UPDATE products SET likes = likes - 1 WHERE id = ? AND deleted_at IS NULL AND likes > 0', [id]);
    return affectedRows(result) > 0;
  }

  /** Forgets a like kept aside as unmatched; true when it was one (it was then never counted). */
  async forgetUnmatchedLike(tx: EntityManager, likeId: string): Promise<boolean> {
    const result: unknown = await tx.query('DELETE FROM unmatched_likes WHERE event_id = ?', [likeId]);
    return affectedRows(result) > 0;
  }

  /** True when a live product took the like. */
  async addLike(tx: EntityManager, id: number): Promise<boolean> {
    const result: unknown = await tx.query('UPDATE products SET likes = likes + 1 WHERE id = ? AND deleted_at IS NULL', [id]);
    return affectedRows(result) > 0;
  }

  /**
   * markLikesApplied then addLikes in one round trip (decision 0025), for a batch that is thrown
   * away (rolled back) unless every like was new: how many likes were new, how many products live.
   */
  async markAppliedAndAddLikes(
    tx: EntityManager,
    likeIds: string[],
    counts: Map<number, number>,
  ): Promise<{ applied: number; live: number }> {
    const [applied, live] = await runStatements(tx, [markLikesAppliedStatement(likeIds), addLikesStatement(counts)]);
    return { applied: affectedRows(applied), live: affectedRows(live) };
  }

  /** Adds each live product's likes in one statement; returns how many of the products were live. */
  addLikes(tx: EntityManager, counts: Map<number, number>): Promise<number> {
    return addLikesToLiveProducts(tx, counts);
  }

  liveIds(tx: EntityManager, ids: number[]): Promise<Set<number>> {
    return liveProductIds(tx, ids);
  }

  async recordUnmatchedLikes(tx: EntityManager, likes: { eventId: string; productId: number; userId: string }[]): Promise<void> {
    if (likes.length === 0) return;
    await tx.query('INSERT IGNORE INTO unmatched_likes (event_id, product_id, user_id) VALUES ?', [
      likes.map((l) => [l.eventId, l.productId, l.userId]),
    ]);
  }

  async recordUnmatchedLike(tx: EntityManager, like: { eventId: string; productId: number; userId: string }): Promise<void> {
    await tx.query('INSERT IGNORE INTO unmatched_likes (event_id, product_id, user_id) VALUES (?, ?, ?)', [
      like.eventId,
      like.productId,
      like.userId,
    ]);
  }

  /** Every product, deleted ones too, in id order: what main's copy is rebuilt from. */
  async snapshot(afterId: number, limit: number): Promise<ProductSnapshotRow[]> {
    const rows: { id: number; title: string; image: string; version: number; likes: number; deleted_at: Date | null }[] =
      await this.dataSource.query('SELECT id, title, image, version, likes, deleted_at FROM products WHERE id > ? ORDER BY id LIMIT ?', [
        afterId,
        limit,
      ]);
    return rows.map((row) => ({
      id: Number(row.id),
      title: row.title,
      image: row.image,
      version: Number(row.version),
      likes: Number(row.likes),
      deleted: row.deleted_at !== null,
    }));
  }

  /**
   * Gives a product a new version (at least `atLeastVersion`) so that announcing it again wins over
   * whatever main holds; undefined when there is no such product.
   */
  async bumpVersion(tx: EntityManager, id: number, atLeastVersion: number): Promise<ProductSnapshotRow | undefined> {
    const result: unknown = await tx.query('UPDATE products SET version = GREATEST(version + 1, ?) WHERE id = ?', [atLeastVersion, id]);
    if (affectedRows(result) === 0) return undefined;
    const rows: { id: number; title: string; image: string; version: number; likes: number; deleted_at: Date | null }[] = await tx.query(
      'SELECT id, title, image, version, likes, deleted_at FROM products WHERE id = ?',
      [id],
    );
    const row = rows[0]!;
    return {
      id: Number(row.id),
      title: row.title,
      image: row.image,
      version: Number(row.version),
      likes: Number(row.likes),
      deleted: row.deleted_at !== null,
    };
  }
}
