import { randomUUID } from 'node:crypto';
import { addToOutbox, AppError, createEvent, EventTypes, isDuplicateKeyError, type CrashHook, type TransactionRunner } from '@catalogue/shared';
import type { LikesRepository } from './likes.repository';

/** Raised inside a retried transaction that finds its own earlier commit: the like is already recorded. */
class AlreadyCommitted extends Error {}

export interface LikeReceipt {
  id: string;
  productId: number;
  userId: string;
}

/**
 * A like is the like row, the product's count and the product_liked event, committed together.
 * The like id doubles as the event id, so a retry after a lost commit is recognised, not doubled.
 */
export class LikesService {
  constructor(
    private readonly likes: LikesRepository,
    private readonly runInTransaction: TransactionRunner,
    private readonly announce: () => void,
    private readonly crash: CrashHook,
  ) {}

  async like(productId: number, userId: string, traceContext?: Record<string, string>): Promise<LikeReceipt> {
    const receipt: LikeReceipt = { id: randomUUID(), productId, userId };
    const event = createEvent(EventTypes.ProductLiked, { productId, userId }, { id: receipt.id });
    try {
      await this.runInTransaction(async (tx) => {
        if (!(await this.likes.incrementLiveProduct(tx, productId))) throw AppError.notFound(`product ${productId}`);
        try {
          await this.likes.insert(tx, receipt);
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          if ((await this.likes.findId(tx, productId, userId)) === receipt.id) throw new AlreadyCommitted();
          throw new AppError(400, 'already_liked', `user ${userId} already liked product ${productId}`);
        }
        await addToOutbox(tx, event, traceContext);
      });
    } catch (err) {
      if (!(err instanceof AlreadyCommitted)) throw err;
    }
    this.crash('after-like-commit');
    this.announce();
    return receipt;
  }

  /**
   * Puts every like of a product back in the outbox with its original id (the event id admin's
   * inbox knows), so admin counts the ones it missed and drops the rest. Returns how many.
   */
  async reannounce(productId: number): Promise<number> {
    let after = '';
    let announced = 0;
    for (;;) {
      const page = await this.runInTransaction(async (tx) => {
        const likes = await this.likes.pageOfProduct(tx, productId, after, REANNOUNCE_BATCH);
        for (const like of likes) {
          const event = createEvent(EventTypes.ProductLiked, { productId, userId: like.userId }, { id: like.id, occurredAt: like.createdAt });
          try {
            await addToOutbox(tx, event);
          } catch (err) {
            // Still waiting in the outbox from the first time: it will be published anyway.
            if (!isDuplicateKeyError(err)) throw err;
          }
        }
        return likes;
      });
      announced += page.length;
      if (page.length > 0) this.announce();
      if (page.length < REANNOUNCE_BATCH) return announced;
      after = page[page.length - 1]!.id;
    }
  }

  async likedAmong(userId: string, productIds: number[]): Promise<number[]> {
    return this.likes.likedAmong(userId, productIds);
  }
}

const REANNOUNCE_BATCH = 500;
