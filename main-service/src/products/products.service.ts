import { createHash } from 'node:crypto';
import { AppError, listPageOf, snapshotPageOf, sortName, type ListQuery, type SnapshotPage, type SnapshotQuery } from '@catalogue/shared';
import type { EntityManager } from 'typeorm';
import { PAGE_CACHE_DEFAULT_MAX_BYTES, PageCache } from './page-cache';
import type { ProductChangesRepository } from './product-changes.repository';
import type { ProductAuditRow, ProductSnapshot, ProductsRepository, ProductView } from './products.repository';

export type ApplyOutcome = 'applied' | 'stale';

export interface RenderedPage {
  json: string;
  etag: string;
  link?: string;
  /** The change feed's position on this replica when the page was read: it shows every change up to there (the live stream's ids). */
  position: number;
}

const pageKey = (list: ListQuery, path: string): string =>
  JSON.stringify([path, list.limit, list.q ?? null, sortName(list.sort), list.after ?? null, list.filters ?? null, list.carried]);

/**
 * Main's product copy. Admin's events may arrive late, twice or out of order: a version decides
 * which state wins, and a delete leaves a tombstone that no later event can undo. Each change it
 * applies goes into the change feed in the same transaction, so every replica hears of it once
 * it is committed (see ProductChanges).
 */
export class ProductsService {
  private readonly pages: PageCache<RenderedPage>;

  /**
   * `listCacheMs`: how long a list page may be served from memory (0: never). `feedPosition`: how
   * far this replica has heard the change feed (every change up to it was committed before).
   * `listCacheMaxBytes`: how much the list cache may hold.
   */
  constructor(
    private readonly products: ProductsRepository,
    private readonly feed: ProductChangesRepository,
    listCacheMs = 0,
    private readonly feedPosition: () => number = () => 0,
    listCacheMaxBytes = PAGE_CACHE_DEFAULT_MAX_BYTES,
  ) {
    // Characters of the rendered page stand in for its bytes: the JSON is mostly ASCII.
    this.pages = new PageCache({
      ttlMs: listCacheMs,
      maxBytes: listCacheMaxBytes,
      sizeOf: (page) => page.json.length + page.etag.length + (page.link?.length ?? 0),
    });
  }

  /**
   * A page of live products (searched, sorted and after the cursor, all in one statement) as JSON
   * text and its entity tag: made once per cached page, not per request. Everything that shapes
   * the page or its Link is in the key: search text, sort, cursor position, filters and limit.
   */
  listJson(list: ListQuery, path: string): Promise<RenderedPage> {
    return this.pages.get(pageKey(list, path), async () => {
      // Read before the query: the page shows at least every change heard so far (the cache is
      // cleared as each later one is heard).
      const position = this.feedPosition();
      const rows = await this.products.listLive(list);
      const { items, link } = listPageOf(
        rows,
        list,
        path,
        (row) => row.sortValue,
        (row) => row.product,
      );
      const json = JSON.stringify(items);
      // Express's own weak ETag format; set here, Express skips hashing the body on every response.
      const etag = `W/"${Buffer.byteLength(json).toString(16)}-${createHash('sha1').update(json).digest('base64').slice(0, 27)}"`;
      return { json, etag, link, position };
    });
  }

  /** Whether this page would be answered from memory now (an uncached search is what the per-address search limit counts). */
  hasCachedPage(list: ListQuery, path: string): boolean {
    return this.pages.has(pageKey(list, path));
  }

  /** After a write that changes what the list shows (a like, a product event, a resync). */
  listChanged(): void {
    this.pages.clear();
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
    this.listChanged();
    if (await this.products.insertIfAbsent(tx, product)) {
      await this.feed.record(tx, 'created', product.id);
      return 'applied';
    }
    const current = await this.products.lockVersion(tx, product.id);
    if (!current || current.deleted || product.version <= current.version) return 'stale';
    await this.products.overwrite(tx, product);
    await this.feed.record(tx, 'updated', product.id);
    return 'applied';
  }

  async applyDeletion(tx: EntityManager, id: number, version: number): Promise<ApplyOutcome> {
    this.listChanged();
    if (await this.products.insertTombstoneIfAbsent(tx, id, version)) {
      await this.feed.record(tx, 'deleted', id);
      return 'applied';
    }
    const current = await this.products.lockVersion(tx, id);
    if (!current || current.deleted || version <= current.version) return 'stale';
    await this.products.markDeleted(tx, id, version);
    await this.feed.record(tx, 'deleted', id);
    return 'applied';
  }
}
