import { AppError, listPageOf, snapshotPageOf, type ListQuery, type SnapshotPage, type SnapshotQuery } from '@catalogue/shared';
import type { EntityManager } from 'typeorm';
import type { ProductAuditRow, ProductSnapshot, ProductsRepository, ProductView } from './products.repository';

export type ApplyOutcome = 'applied' | 'stale';

/**
 * Main's product copy. Admin's events may arrive late, twice or out of order: a version decides
 * which state wins, and a delete leaves a tombstone that no later event can undo.
 */
export class ProductsService {
  constructor(private readonly products: ProductsRepository) {}

  /** A page of live products: searched, sorted and after the cursor, all in one statement. */
  async list(list: ListQuery, path: string): Promise<{ items: ProductView[]; link?: string }> {
    const rows = await this.products.listLive(list);
    return listPageOf(rows, list, path, (row) => row.sortValue, (row) => row.product);
  }

  async get(id: number): Promise<ProductView> {
    const product = await this.products.findLive(id);
    if (!product) throw AppError.notFound(`product ${id}`);
    return product;
  }

  /** Every product main holds, tombstones included, with both like counts: for reconciliation. */
  async audit(query: SnapshotQuery): Promise<SnapshotPage<ProductAuditRow>> {
    return snapshotPageOf(await this.products.audit(query.after, query.limit + 1), query.limit);
  }

  async applySnapshot(tx: EntityManager, product: ProductSnapshot): Promise<ApplyOutcome> {
    if (await this.products.insertIfAbsent(tx, product)) return 'applied';
    const current = await this.products.lockVersion(tx, product.id);
    if (!current || current.deleted || product.version <= current.version) return 'stale';
    await this.products.overwrite(tx, product);
    return 'applied';
  }

  async applyDeletion(tx: EntityManager, id: number, version: number): Promise<ApplyOutcome> {
    if (await this.products.insertTombstoneIfAbsent(tx, id, version)) return 'applied';
    const current = await this.products.lockVersion(tx, id);
    if (!current || current.deleted || version <= current.version) return 'stale';
    await this.products.markDeleted(tx, id, version);
    return 'applied';
  }
}
