import {
  addToOutbox,
  AppError,
  createEvent,
  EventTypes,
  isDuplicateKeyError,
  type CrashHook,
  type TransactionRunner,
} from '@catalogue/shared';
import type { ProductChangesRepository } from '../products/product-changes.repository';
import type { LikesRepository } from './likes.repository';

/** What an unlike did: removed the caller's like (naming it), or found none to remove. */
export type UnlikeOutcome = { removed: true; likeId: string } | { removed: false };

const REANNOUNCE_BATCH = 500;

/**
 * Taking a like back (decision record 0024). The like leaves `likes` for `removed_likes` (so the
 * person may like again, under a new id), the product's count goes down, and a product_unliked
 * event naming the like's id and a change-feed row (every replica's streams hear the new count)
 * are committed with it. Idempotent: without a like to remove nothing changes, and a retry after
 * a lost commit finds the like gone. Unlikes are rare next to likes, so each has its own
 * transaction rather than a batch.
 */
export class UnlikesService {
  constructor(
    private readonly likes: LikesRepository,
    private readonly feed: ProductChangesRepository,
    private readonly runInTransaction: TransactionRunner,
    private readonly announce: () => void,
    private readonly crash: CrashHook,
  ) {}

  /** Throws not_found for a product main does not have (or has deleted), whether or not it was liked. */
  async unlike(productId: number, userId: string): Promise<UnlikeOutcome> {
    const outcome = await this.runInTransaction(async (tx): Promise<UnlikeOutcome> => {
      // The like row first, then the product's, in the order a batch of likes takes them.
      const like = await this.likes.lockLikeOf(tx, productId, userId);
      if (!like) {
        if (!(await this.likes.liveProductIds(tx, [productId])).has(productId)) throw AppError.notFound(`product ${productId}`);
        return { removed: false };
      }
      const event = createEvent(EventTypes.ProductUnliked, { likeId: like.id, productId, userId });
      await this.likes.moveToRemoved(tx, { id: like.id, productId, userId, createdAt: like.createdAt }, event.id);
      await addToOutbox(tx, event);
      // Last before the commit: every like of the product waits for its row, so it is held for as
      // few round trips as can be. A deleted product throws here, and the rollback undoes the rest.
      if (!(await this.likes.decrementLiveProduct(tx, productId))) throw AppError.notFound(`product ${productId}`);
      await this.feed.recordLikes(tx, [productId]);
      return { removed: true, likeId: like.id };
    });
    if (outcome.removed) {
      this.crash('after-unlike-commit');
      this.announce();
    }
    return outcome;
  }

  /**
   * Puts every removal of a product's likes back in the outbox under its original event id, for
   * reconcile: admin takes back the likes it still counts and recognises the rest. Returns how many.
   */
  async reannounce(productId: number): Promise<number> {
    let after = '';
    let announced = 0;
    for (;;) {
      const page = await this.runInTransaction(async (tx) => {
        const removed = await this.likes.pageOfRemoved(tx, productId, after, REANNOUNCE_BATCH);
        for (const removal of removed) {
          const event = createEvent(
            EventTypes.ProductUnliked,
            { likeId: removal.likeId, productId, userId: removal.userId },
            { id: removal.unlikeId, occurredAt: removal.removedAt },
          );
          try {
            await addToOutbox(tx, event);
          } catch (err) {
            // Still waiting in the outbox from the first time: it will be published anyway.
            if (!isDuplicateKeyError(err)) throw err;
          }
        }
        return removed;
      });
      announced += page.length;
      if (page.length > 0) this.announce();
      if (page.length < REANNOUNCE_BATCH) return announced;
      after = page[page.length - 1]!.likeId;
    }
  }
}
