import type { DataSource, EntityManager } from 'typeorm';
import { affectedRows, isConflictError, type Statement } from '@catalogue/shared';

/** What happened to main's copy of a product: it appeared, changed, went, or its like count rose. */
export type ProductChangeKind = 'created' | 'updated' | 'deleted' | 'likes';

export interface ProductChange {
  /** The change's place in main's feed; changes are delivered in ascending id (an SSE event id). */
  id: number;
  kind: ProductChangeKind;
  productId: number;
  /**
   * Main's copy of the product when the change was read: at least as new as the change itself
   * (a later change may already show). A deleted product keeps its last title and count.
   */
  product: { title: string; image: string; likes: number; version: number; deleted: boolean };
  /** Seconds from the change's statement (just before its commit) to when it was read. */
  ageSeconds: number;
}

interface ChangeRow {
  id: number | string;
  kind: ProductChangeKind;
  product_id: number;
  title: string;
  image: string;
  likes: number;
  version: number;
  deleted: number;
  age_us: number | string | null;
}

const toChange = (row: ChangeRow): ProductChange => ({
  id: Number(row.id),
  kind: row.kind,
  productId: Number(row.product_id),
  product: {
    title: row.title,
    image: row.image,
    likes: Number(row.likes),
    version: Number(row.version),
    deleted: Number(row.deleted) === 1,
  },
  ageSeconds: Math.max(0, Number(row.age_us ?? 0) / 1e6),
});

const SELECT_CHANGES = `
  SELECT c.id, c.kind, c.product_id, p.title, p.image, p.likes, p.version, p.deleted_at IS NOT NULL AS deleted,
         TIMESTAMPDIFF(MICROSECOND, c.changed_at, CURRENT_TIMESTAMP(6)) AS age_us
    FROM product_changes c JOIN products p ON p.id = c.product_id`;

const ER_LOCK_NOWAIT = 3572;
const errnoOf = (err: unknown): unknown =>
  (err as { errno?: unknown }).errno ?? (err as { driverError?: { errno?: unknown } }).driverError?.errno;

/** What a locking probe of ids the feed has not shown yet finds. */
export type GapProbe = 'in_flight' | 'committed' | 'absent';

/**
 * main's change feed (`product_changes`): written inside the transaction of each change (one
 * statement, whatever the batch size), read by id by every replica, pruned by age.
 */
export class ProductChangesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(tx: EntityManager, kind: Exclude<ProductChangeKind, 'likes'>, productId: number): Promise<void> {
    await tx.query('INSERT INTO product_changes (product_id, kind) VALUES (?, ?)', [productId, kind]);
  }

  /** One row per product whose count a batch of likes raised; one multi-row statement for the batch. */
  async recordLikes(tx: EntityManager, productIds: readonly number[]): Promise<void> {
    if (productIds.length === 0) return;
    const { sql, params } = this.recordLikesStatement(productIds);
    await tx.query(sql, params as unknown[]);
  }

  /** recordLikes's statement, for a batch sent in one round trip; at least one product. */
  recordLikesStatement(productIds: readonly number[]): Statement {
    return { sql: 'INSERT INTO product_changes (product_id, kind) VALUES ?', params: [productIds.map((id) => [id, 'likes'])] };
  }

  /** The highest id written so far (0 for an empty feed). */
  async head(): Promise<number> {
    const rows: { id: number | string | null }[] = await this.dataSource.query('SELECT MAX(id) AS id FROM product_changes');
    return Number(rows[0]?.id ?? 0);
  }

  async oldest(): Promise<number | undefined> {
    const rows: { id: number | string | null }[] = await this.dataSource.query('SELECT MIN(id) AS id FROM product_changes');
    return rows[0]?.id === null || rows[0]?.id === undefined ? undefined : Number(rows[0].id);
  }

  /** Committed changes with `afterId < id <= upTo` (no upper bound when undefined), in id order. */
  async after(afterId: number, limit: number, upTo?: number): Promise<ProductChange[]> {
    const rows: ChangeRow[] =
      upTo === undefined
        ? await this.dataSource.query(`${SELECT_CHANGES} WHERE c.id > ? ORDER BY c.id LIMIT ?`, [afterId, limit])
        : await this.dataSource.query(`${SELECT_CHANGES} WHERE c.id > ? AND c.id <= ? ORDER BY c.id LIMIT ?`, [afterId, upTo, limit]);
    return rows.map(toChange);
  }

  /**
   * Ids between two delivered changes that no read has shown: either a transaction that took them
   * has not committed yet (its rows are locked), or it rolled back (nothing is there). A locking
   * read that refuses to wait tells them apart at once.
   */
  async probeGap(from: number, to: number): Promise<GapProbe> {
    try {
      const rows: unknown[] = await this.dataSource.query('SELECT id FROM product_changes WHERE id BETWEEN ? AND ? FOR UPDATE NOWAIT', [
        from,
        to,
      ]);
      return rows.length > 0 ? 'committed' : 'absent';
    } catch (err) {
      // MariaDB answers NOWAIT with a lock-wait timeout (1205), MySQL with ER_LOCK_NOWAIT (3572).
      if (isConflictError(err) || errnoOf(err) === ER_LOCK_NOWAIT) return 'in_flight';
      throw err;
    }
  }

  /**
   * Deletes rows older than `seconds`, at most `limit` of them. READ COMMITTED: no gap lock that
   * would hold up the inserts at the feed's end while it runs.
   */
  async prune(seconds: number, limit: number): Promise<number> {
    return this.dataSource.transaction('READ COMMITTED', async (tx) =>
      affectedRows(
        await tx.query('DELETE FROM product_changes WHERE changed_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT ?', [seconds, limit]),
      ),
    );
  }
}
