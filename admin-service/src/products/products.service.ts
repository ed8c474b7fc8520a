import { Injectable, Inject } from '@nestjs/common';
import {
  addToOutbox,
  AppError,
  createEvent,
  createTransactionRunner,
  EventTypes,
  listPageOf,
  ServiceMessaging,
  type Logger,
  type ListQuery,
  type ServiceMetrics,
  type ProductLiked,
  type ProductUnliked,
  type AdminSnapshotRow,
  type SnapshotPage,
  type SnapshotQuery,
  snapshotPageOf,
  type TransactionRunner,
} from '@catalogue/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { LOGGER, METRICS } from '../common/tokens';
import type { ProductFilters } from './product-filters';
import { insertProduct, ProductsRepository, type Product, type ProductInput, type ProductSnapshotRow } from './products.repository';

export const PRODUCTS_PATH = '/api/products';

/**
 * Admin owns products: each change commits together with the event announcing it (the outbox),
 * and the relay is kicked only after that commit.
 */
@Injectable()
export class ProductsService {
  private readonly runInTransaction: TransactionRunner;

  constructor(
    private readonly products: ProductsRepository,
    private readonly messaging: ServiceMessaging,
    dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {
    // A create retried after a lost connection could insert twice, so only deadlocks are retried.
    this.runInTransaction = createTransactionRunner(dataSource, { idempotent: false });
  }

  /** A page of live products: searched, filtered, sorted and after the cursor, in one statement. */
  async list(list: ListQuery<ProductFilters>): Promise<{ items: Product[]; link?: string }> {
    const rows = await this.products.listLive(list);
    return listPageOf(
      rows,
      list,
      PRODUCTS_PATH,
      (row) => row.sortValue,
      (row) => row.product,
    );
  }

  async get(id: number): Promise<Product> {
    const product = await this.products.findLive(id);
    if (!product) throw AppError.notFound(`product ${id}`);
    return product;
  }

  async create(input: ProductInput): Promise<Product> {
    const product = await this.runInTransaction((tx) => addProduct(tx, input));
    this.metrics.productsCreated.inc();
    this.messaging.announce();
    return product;
  }

  async update(id: number, input: ProductInput): Promise<Product> {
    const updated = await this.runInTransaction(async (tx) => {
      const row = await this.products.update(tx, id, input);
      if (!row) return undefined;
      await addToOutbox(tx, createEvent(EventTypes.ProductUpdated, { id, title: row.title, image: row.image, version: row.version }));
      return row;
    });
    if (!updated) throw AppError.notFound(`product ${id}`);
    this.metrics.productsUpdated.inc();
    this.messaging.announce();
    return { id: updated.id, title: updated.title, image: updated.image, likes: updated.likes };
  }

  async remove(id: number): Promise<void> {
    const version = await this.runInTransaction(async (tx) => {
      const newVersion = await this.products.softDelete(tx, id);
      if (newVersion === undefined) return undefined;
      await addToOutbox(tx, createEvent(EventTypes.ProductDeleted, { id, version: newVersion }));
      return newVersion;
    });
    if (version === undefined) throw AppError.notFound(`product ${id}`);
    this.metrics.productsDeleted.inc();
    this.messaging.announce();
  }

  /**
   * Counts a like inside the consumer's transaction. A like for a product admin does not have (or
   * has deleted) is kept aside rather than failing: main may know a product admin never will.
   */
  async recordLike(event: ProductLiked, tx: EntityManager): Promise<void> {
    const { productId, userId } = event.data;
    // Applied before: its inbox row may have been pruned since, but the like still counts once.
    if ((await this.products.markLikesApplied(tx, [event.id])) === 0) return;
    if (await this.products.addLike(tx, productId)) return;
    await this.products.recordUnmatchedLike(tx, { eventId: event.id, productId, userId });
    this.logger.info({ eventId: event.id, productId }, 'like for an unknown product recorded as unmatched');
  }

  /** recordLike for many likes at once, in one UPDATE (and one INSERT for any unmatched ones). */
  async recordLikes(events: ProductLiked[], tx: EntityManager): Promise<void> {
    // Rare (a like re-announced after its inbox row was pruned): the consumer then rolls this batch
    // back and applies its likes one by one, where each finds out for itself.
    const counts = new Map<number, number>();
    for (const { data } of events) counts.set(data.productId, (counts.get(data.productId) ?? 0) + 1);
    // Both statements in one round trip: when the ledger knew a like, the count is rolled back with the rest.
    const { applied, live: liveCount } = await this.products.markAppliedAndAddLikes(
      tx,
      events.map((e) => e.id),
      counts,
    );
    if (applied !== events.length) throw new Error('some of these likes were applied before');
    if (liveCount === counts.size) return;
    const live = await this.products.liveIds(tx, [...counts.keys()]);
    const unmatched = events.filter((e) => !live.has(e.data.productId));
    await this.products.recordUnmatchedLikes(
      tx,
      unmatched.map((e) => ({ eventId: e.id, productId: e.data.productId, userId: e.data.userId })),
    );
    this.logger.info({ events: unmatched.length }, 'likes for unknown products recorded as unmatched');
  }

  /**
   * Takes a like back inside the consumer's transaction, by the like's id in admin's ledger
   * (decision 0024): a counted like is counted down once, however often the unlike comes; an
   * unlike that arrives before its like leaves a tombstone, so the like counts for nothing when it
   * comes. Either order ends with the like not counted.
   */
  async recordUnlike(event: ProductUnliked, tx: EntityManager): Promise<void> {
    const { likeId, productId } = event.data;
    if (await this.products.markLikeTakenBack(tx, likeId)) {
      // A like kept aside (its product unknown here) was never counted: nothing to count down.
      if (await this.products.forgetUnmatchedLike(tx, likeId)) return;
      // A product deleted since keeps its last count, as it keeps its likes.
      await this.products.removeLike(tx, productId);
      return;
    }
    await this.products.leaveUnlikeTombstone(tx, likeId);
  }

  /** A page of every product, tombstones included, for main's resync and for reconciliation. */
  async snapshot(query: SnapshotQuery): Promise<SnapshotPage<AdminSnapshotRow>> {
    const rows = await this.products.snapshot(query.after, query.limit + 1);
    return snapshotPageOf(rows.map(toSnapshotRow), query.limit);
  }

  /**
   * Repairs main's copy of one product through the normal event path: a new version (at least
   * `atLeastVersion`, for when main somehow holds a newer one) and its event, committed together.
   */
  async reannounce(id: number, atLeastVersion = 0): Promise<AdminSnapshotRow> {
    const row = await this.runInTransaction(async (tx) => {
      const bumped = await this.products.bumpVersion(tx, id, atLeastVersion);
      if (!bumped) return undefined;
      const event = bumped.deleted
        ? createEvent(EventTypes.ProductDeleted, { id, version: bumped.version })
        : createEvent(EventTypes.ProductUpdated, { id, title: bumped.title, image: bumped.image, version: bumped.version });
      await addToOutbox(tx, event);
      return bumped;
    });
    if (!row) throw AppError.notFound(`product ${id}`);
    this.messaging.announce();
    this.logger.info({ productId: id, version: row.version, deleted: row.deleted }, 'product re-announced for repair');
    return toSnapshotRow(row);
  }
}

/** A new product and its product_created event, in the caller's transaction: how every product comes to be. */
export async function addProduct(tx: EntityManager, input: ProductInput): Promise<Product> {
  const id = await insertProduct(tx, input);
  await addToOutbox(tx, createEvent(EventTypes.ProductCreated, { id, ...input, version: 1 }));
  return { id, ...input, likes: 0 };
}

function toSnapshotRow(row: ProductSnapshotRow): AdminSnapshotRow {
  return row.deleted
    ? { id: row.id, deleted: true, version: row.version, likes: row.likes }
    : { id: row.id, deleted: false, title: row.title, image: row.image, version: row.version, likes: row.likes };
}
