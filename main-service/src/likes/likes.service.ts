import { randomUUID } from 'node:crypto';
import {
  activeTraceCarrier,
  addAllToOutbox,
  addLikesStatement,
  affectedRows,
  inFewRoundTrips,
  isCommitOutcomeUnknown,
  isTransientDbError,
  outboxInsertStatement,
  addToOutbox,
  AppError,
  createEvent,
  EventTypes,
  isDuplicateKeyError,
  MicroBatcher,
  type BatchOutcome,
  type CatalogueEvent,
  type CrashHook,
  type TraceCarrier,
  type TransactionRunner,
  transactionErrorKind,
  transactionErrors,
} from '@catalogue/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { ProductChangesRepository } from '../products/product-changes.repository';
import type { LikeRow, LikesRepository } from './likes.repository';

export type LikeReceipt = LikeRow;

interface PendingLike {
  receipt: LikeReceipt;
  event: CatalogueEvent;
  traceContext: TraceCarrier | null;
}

/** Raised inside a retried transaction that finds its own earlier commit: the batch is already recorded. */
class AlreadyCommitted extends Error {}

/** likes.user_id is VARCHAR(255); longer subjects are refused before they reach a batch. */
const MAX_USER_ID_LENGTH = 255;

export interface LikeBatching {
  maxBatch: number;
  maxConcurrent: number;
}

/**
 * A like is the like row, the product's count, the product_liked event and a change-feed row for
 * the product (so every replica hears the new count), committed together.
 * Likes that arrive together share one transaction (see MicroBatcher): the database's commits and
 * round trips, not this process, bound the like rate, so a batch of likes costs what one did.
 * Each like still gets its own answer (recorded, already liked, not found). The like id doubles as
 * the event id, so a retry after a lost commit is recognised, not doubled.
 */
export class LikesService {
  private readonly batcher: MicroBatcher<PendingLike, LikeReceipt>;

  constructor(
    private readonly likes: LikesRepository,
    private readonly feed: ProductChangesRepository,
    private readonly dataSource: DataSource,
    private readonly runInTransaction: TransactionRunner,
    private readonly announce: () => void,
    private readonly crash: CrashHook,
    batching: LikeBatching = { maxBatch: 100, maxConcurrent: 1 },
  ) {
    this.batcher = new MicroBatcher({ ...batching, run: (batch) => this.commit(batch) });
  }

  /** `traceContext` defaults to the caller's active trace: the batch commits later, in another's context. */
  async like(productId: number, userId: string, traceContext: TraceCarrier | null = activeTraceCarrier()): Promise<LikeReceipt> {
    if (userId.length > MAX_USER_ID_LENGTH)
      throw new AppError(400, 'invalid_user', `user ids longer than ${MAX_USER_ID_LENGTH} characters are not accepted`);
    const receipt: LikeReceipt = { id: randomUUID(), productId, userId };
    const event = createEvent(EventTypes.ProductLiked, { productId, userId }, { id: receipt.id });
    return this.batcher.submit({ receipt, event, traceContext });
  }

  private async commit(batch: PendingLike[]): Promise<BatchOutcome<LikeReceipt>[]> {
    let outcomes: BatchOutcome<LikeReceipt>[] | undefined;
    // Set when the first try's COMMIT round trip broke: it may have committed, so what is stored decides.
    let mayHaveCommitted = false;
    try {
      outcomes = await this.commitAllNew(batch);
    } catch (err) {
      mayHaveCommitted = isCommitOutcomeUnknown(err);
      // Counted as the retry it is (a deadlock, a lost connection): the careful path below tries again.
      if (isTransientDbError(err)) transactionErrors.retried(transactionErrorKind(err));
    }
    if (!outcomes) {
      let attempt = 0;
      try {
        outcomes = await this.runInTransaction(async (tx) => {
          attempt++;
          return this.apply(tx, batch, mayHaveCommitted || attempt > 1);
        });
      } catch (err) {
        if (err instanceof AlreadyCommitted) {
          outcomes = await this.outcomesOfCommitted(batch);
        } else {
          // Rolled back as a whole: nothing of it is stored, so each like is tried alone and only
          // the like that cannot commit fails.
          if (batch.length === 1) throw err;
          return Promise.all(
            batch.map((p) =>
              this.commit([p]).then(
                (o) => o[0]!,
                (error: unknown): BatchOutcome<LikeReceipt> => ({ ok: false, error }),
              ),
            ),
          );
        }
      }
    }
    this.crash('after-like-commit');
    this.announce();
    return outcomes;
  }

  /**
   * The common case in two round trips (decision 0025): every like new and every product live. The
   * transaction opens with all four statements of a batch (likes, counts, outbox, feed row last)
   * and commits in the second round trip. Anything else (a like the user already has, a product
   * main does not have or has deleted) is rolled back and answers undefined: `apply` then finds out
   * which like is which, as before. Errors are thrown as they are, for the same fallback.
   */
  private async commitAllNew(batch: PendingLike[]): Promise<BatchOutcome<LikeReceipt>[] | undefined> {
    const counts = countByProduct(batch);
    const opening = [
      this.likes.insertNewStatement(batch.map((p) => p.receipt)),
      addLikesStatement(counts),
      outboxInsertStatement(batch.map((p) => ({ event: p.event, traceContext: p.traceContext }))),
      this.feed.recordLikesStatement([...counts.keys()]),
    ];
    return inFewRoundTrips(this.dataSource, { opening }, async ([inserted, counted], tx) => {
      if (affectedRows(inserted) !== batch.length || affectedRows(counted) !== counts.size) return undefined;
      await tx.commit();
      return batch.map((p) => outcomeOf(p.receipt, 'recorded'));
    });
  }

  private async apply(tx: EntityManager, batch: PendingLike[], retried: boolean): Promise<BatchOutcome<LikeReceipt>[]> {
    const ids = batch.map((p) => p.receipt.id);
    // Only a retry can find its own rows: then the earlier attempt committed (all or nothing).
    if (retried && (await this.likes.existingIds(tx, ids)).size > 0) throw new AlreadyCommitted();

    const insertedCount = await this.likes.insertNew(
      tx,
      batch.map((p) => p.receipt),
    );
    let inserted = batch;
    if (insertedCount < batch.length) {
      const stored = await this.likes.existingIds(tx, ids);
      inserted = batch.filter((p) => stored.has(p.receipt.id));
    }
    const counts = countByProduct(inserted);
    const liveCount = counts.size > 0 ? await this.likes.incrementLiveProducts(tx, counts) : 0;

    // The common case stops here: every like new, every product live. Otherwise find out which.
    let liveIds: Set<number> | undefined;
    if (insertedCount < batch.length || liveCount < counts.size) {
      liveIds = await this.likes.liveProductIds(tx, [...new Set(batch.map((p) => p.receipt.productId))]);
    }
    const isLive = (p: PendingLike) => liveIds?.has(p.receipt.productId) ?? true;
    const orphans = inserted.filter((p) => !isLive(p)).map((p) => p.receipt.id);
    if (orphans.length > 0) await this.likes.remove(tx, orphans);
    const recorded = inserted.filter(isLive);
    await addAllToOutbox(
      tx,
      recorded.map((p) => ({ event: p.event, traceContext: p.traceContext })),
    );
    // Last before the commit: the feed id is taken as late as it can be, so readers wait least for it.
    await this.feed.recordLikes(tx, [...new Set(recorded.map((p) => p.receipt.productId))]);

    const recordedIds = new Set(recorded.map((p) => p.receipt.id));
    return batch.map((p) => outcomeOf(p.receipt, recordedIds.has(p.receipt.id) ? 'recorded' : isLive(p) ? 'already_liked' : 'not_found'));
  }

  /** After a lost commit turned out to have succeeded: each like's answer from what is stored. */
  private async outcomesOfCommitted(batch: PendingLike[]): Promise<BatchOutcome<LikeReceipt>[]> {
    return this.runInTransaction(async (tx) => {
      const stored = await this.likes.existingIds(
        tx,
        batch.map((p) => p.receipt.id),
      );
      const live = await this.likes.liveProductIds(tx, [...new Set(batch.map((p) => p.receipt.productId))]);
      return batch.map((p) =>
        outcomeOf(p.receipt, stored.has(p.receipt.id) ? 'recorded' : live.has(p.receipt.productId) ? 'already_liked' : 'not_found'),
      );
    });
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
          const event = createEvent(
            EventTypes.ProductLiked,
            { productId, userId: like.userId },
            { id: like.id, occurredAt: like.createdAt },
          );
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

type Verdict = 'recorded' | 'not_found' | 'already_liked';

function outcomeOf(receipt: LikeReceipt, verdict: Verdict): BatchOutcome<LikeReceipt> {
  if (verdict === 'recorded') return { ok: true, value: receipt };
  if (verdict === 'not_found') return { ok: false, error: AppError.notFound(`product ${receipt.productId}`) };
  return { ok: false, error: new AppError(400, 'already_liked', `you already liked product ${receipt.productId}`) };
}

function countByProduct(likes: PendingLike[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { receipt } of likes) counts.set(receipt.productId, (counts.get(receipt.productId) ?? 0) + 1);
  return counts;
}
