import { createHash } from 'node:crypto';
import { AppError, pageOf, type PageQuery } from '@catalogue/shared';
import type { EntityManager } from 'typeorm';
import { PageCache } from './page-cache';
import type { ProductSnapshot, ProductsRepository, ProductView } from './products.repository';

export type ApplyOutcome = 'applied' | 'stale';

export interface RenderedPage {
  json: string;
  etag: string;
  link?: string;
}

/**
 * Main's product copy. Admin's events may arrive late, twice or out of order: a version decides
 * which state wins, and a delete leaves a tombstone that no later event can undo.
 */
export class ProductsService {
  private readonly pages: PageCache<RenderedPage>;

  /** `listCacheMs`: how long a list page may be served from memory (0: never). */
  constructor(
    private readonly products: ProductsRepository,
    listCacheMs = 0,
  ) {
    this.pages = new PageCache(listCacheMs);
  }

  /** A page of live products as JSON text and its entity tag: made once per cached page, not per request. */
  listJson(page: PageQuery, path: string): Promise<RenderedPage> {
    return this.pages.get(`${path}?${page.limit}&${page.after ?? 0}`, async () => {
      const rows = await this.products.listLive(page.after ?? 0, page.limit + 1);
      const { items, link } = pageOf(rows, page, path);
      const json = JSON.stringify(items);
      // Express's own weak ETag format; set here, Express skips hashing the body on every response.
      const etag = `W/"${Buffer.byteLength(json).toString(16)}-${createHash('sha1').update(json).digest('base64').slice(0, 27)}"`;
      return { json, etag, link };
    });
  }

  /** After a write that changes what the list shows (a like, a product event). */
  listChanged(): void {
    this.pages.clear();
  }

  async get(id: number): Promise<ProductView> {
    const product = await this.products.findLive(id);
    if (!product) throw AppError.notFound(`product ${id}`);
    return product;
  }

  async applySnapshot(tx: EntityManager, product: ProductSnapshot): Promise<ApplyOutcome> {
    this.listChanged();
    if (await this.products.insertIfAbsent(tx, product)) return 'applied';
    const current = await this.products.lockVersion(tx, product.id);
    if (!current || current.deleted || product.version <= current.version) return 'stale';
    await this.products.overwrite(tx, product);
    return 'applied';
  }

  async applyDeletion(tx: EntityManager, id: number, version: number): Promise<ApplyOutcome> {
    this.listChanged();
    if (await this.products.insertTombstoneIfAbsent(tx, id, version)) return 'applied';
    const current = await this.products.lockVersion(tx, id);
    if (!current || current.deleted || version <= current.version) return 'stale';
    await this.products.markDeleted(tx, id, version);
    return 'applied';
  }
}
