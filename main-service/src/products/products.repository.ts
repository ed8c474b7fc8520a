import type { DataSource, EntityManager } from 'typeorm';
import { affectedRows, productListSql, queryWithTimeLimit, type ListQuery } from '@catalogue/shared';

export interface ProductView {
  id: number;
  title: string;
  image: string;
  likes: number;
}

export interface ProductSnapshot {
  id: number;
  title: string;
  image: string;
  version: number;
}

/** Main's row as reconciliation sees it: tombstones included, with the likes column and the likes table's count. */
export interface ProductAuditRow {
  id: number;
  title: string;
  image: string;
  version: number;
  deleted: boolean;
  likes: number;
  likeRows: number;
  /** Likes taken back (removed_likes): what a repair can re-announce when admin counts too many. */
  removedLikes: number;
}

export interface ListedProduct {
  id: number;
  product: ProductView;
  sortValue: string | number;
}

interface ProductRow {
  id: number;
  title: string;
  image: string;
  likes: number;
}

const toView = (row: ProductRow): ProductView => ({ id: Number(row.id), title: row.title, image: row.image, likes: Number(row.likes) });

/** Main's copy of the products: explicit SQL, one round trip per call. */
export class ProductsRepository {
  /** `searchTimeLimitMs`: how long the database may spend on a search statement before it stops it. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly searchTimeLimitMs = 2000,
  ) {}

  /** One row more than the list's limit, each with the value it was sorted by (for the cursor). */
  async listLive(list: ListQuery): Promise<ListedProduct[]> {
    const statement = productListSql(list, { table: 'products', columns: 'id, title, image, likes' });
    type Row = ProductRow & { sort_value: string | number };
    const rows: Row[] = statement.indexBounded
      ? await this.dataSource.query(statement.sql, statement.params)
      : await queryWithTimeLimit<Row>(this.dataSource, statement, this.searchTimeLimitMs);
    return rows.map((row) => ({ id: Number(row.id), product: toView(row), sortValue: row.sort_value }));
  }

  async findLive(id: number): Promise<ProductView | undefined> {
    const rows: ProductRow[] = await this.dataSource.query(
      'SELECT id, title, image, likes FROM products WHERE id = ? AND deleted_at IS NULL',
      [id],
    );
    return rows[0] ? toView(rows[0]) : undefined;
  }

  /** Inserts a product seen for the first time; false when a row (live or tombstone) already exists. */
  async insertIfAbsent(tx: EntityManager, product: ProductSnapshot): Promise<boolean> {
    const result: unknown = await tx.query('INSERT IGNORE INTO products (id, title, image, version) VALUES (?, ?, ?, ?)', [
      product.id,
      product.title,
      product.image,
      product.version,
    ]);
    return affectedRows(result) === 1;
  }

  /** A tombstone for a product deleted before main ever saw it. */
  async insertTombstoneIfAbsent(tx: EntityManager, id: number, version: number): Promise<boolean> {
    const result: unknown = await tx.query(
      "INSERT IGNORE INTO products (id, title, image, version, deleted_at) VALUES (?, '', '', ?, UTC_TIMESTAMP(3))",
      [id, version],
    );
    return affectedRows(result) === 1;
  }

  async lockVersion(tx: EntityManager, id: number): Promise<{ version: number; deleted: boolean } | undefined> {
    const rows: { version: number; deleted_at: Date | null }[] = await tx.query(
      'SELECT version, deleted_at FROM products WHERE id = ? FOR UPDATE',
      [id],
    );
    const row = rows[0];
    return row ? { version: Number(row.version), deleted: row.deleted_at !== null } : undefined;
  }

  async overwrite(tx: EntityManager, product: ProductSnapshot): Promise<void> {
    await tx.query('UPDATE products SET title = ?, image = ?, version = ? WHERE id = ?', [
      product.title,
      product.image,
      product.version,
      product.id,
    ]);
  }

  async markDeleted(tx: EntityManager, id: number, version: number): Promise<void> {
    await tx.query('UPDATE products SET deleted_at = UTC_TIMESTAMP(3), version = ? WHERE id = ?', [version, id]);
  }

  /** True when main holds no product at all, not even a tombstone: a copy that was never filled. */
  async isEmpty(): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM products LIMIT 1');
    return rows.length === 0;
  }

  async audit(afterId: number, limit: number): Promise<ProductAuditRow[]> {
    const rows: {
      id: number;
      title: string;
      image: string;
      version: number;
      likes: number;
      deleted_at: Date | null;
      like_rows: number | string;
      removed_likes: number | string;
    }[] = await this.dataSource.query(
      `SELECT p.id, p.title, p.image, p.version, p.likes, p.deleted_at,
                (SELECT COUNT(*) FROM likes l WHERE l.product_id = p.id) AS like_rows,
                (SELECT COUNT(*) FROM removed_likes r WHERE r.product_id = p.id) AS removed_likes
           FROM products p WHERE p.id > ? ORDER BY p.id LIMIT ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      title: row.title,
      image: row.image,
      version: Number(row.version),
      deleted: row.deleted_at !== null,
      likes: Number(row.likes),
      likeRows: Number(row.like_rows),
      removedLikes: Number(row.removed_likes),
    }));
  }
}
