import type { AdminSnapshotRow, Logger, SnapshotPage, TransactionRunner } from '@catalogue/shared';
import type { ProductsRepository } from './products.repository';
import type { ProductsService } from './products.service';

export interface SnapshotSource {
  page(after: number, limit: number): Promise<SnapshotPage<AdminSnapshotRow>>;
}

export interface ResyncReport {
  pages: number;
  rows: number;
  /** Rows that changed main's copy (new, newer, or a new tombstone). */
  applied: number;
  /** Rows main already had at that version or newer (a live event got there first). */
  stale: number;
}

/**
 * Rebuilds main's product copy from admin's snapshot. Each row goes through the consumer's own
 * rules (newer version wins, tombstones stay), so it can run while live events arrive: whichever
 * carries the higher version wins, in either order. Likes are never touched.
 */
export class ProductsResync {
  constructor(
    private readonly source: SnapshotSource,
    private readonly products: ProductsService,
    private readonly repository: ProductsRepository,
    private readonly runInTransaction: TransactionRunner,
    private readonly logger: Logger,
    private readonly pageSize = 200,
  ) {}

  async run(): Promise<ResyncReport> {
    const report: ResyncReport = { pages: 0, rows: 0, applied: 0, stale: 0 };
    let after = 0;
    for (;;) {
      const page = await this.source.page(after, this.pageSize);
      report.pages++;
      // One transaction per page: short enough not to hold up the consumer, and retried whole on a deadlock.
      const outcomes = await this.runInTransaction(async (tx) => {
        const results: ('applied' | 'stale')[] = [];
        for (const row of page.items) {
          results.push(
            row.deleted ? await this.products.applyDeletion(tx, row.id, row.version) : await this.products.applySnapshot(tx, row),
          );
        }
        return results;
      });
      report.rows += outcomes.length;
      report.applied += outcomes.filter((o) => o === 'applied').length;
      report.stale += outcomes.filter((o) => o === 'stale').length;
      if (page.next === null) break;
      after = page.next;
    }
    this.logger.info(report, 'resync from admin finished');
    return report;
  }

  /** True when main holds no product at all, not even a tombstone: a copy that was never filled. */
  copyIsEmpty(): Promise<boolean> {
    return this.repository.isEmpty();
  }

  /** Resyncs when main's copy is empty (see runUntilDone); undefined when it was not. */
  async runIfEmpty(stopped: () => boolean): Promise<ResyncReport | undefined> {
    if (!(await this.copyIsEmpty())) return undefined;
    return this.runUntilDone(stopped);
  }

  /** Retries with backoff while admin is unreachable, until done or `stopped()` says the process is shutting down. */
  async runUntilDone(stopped: () => boolean): Promise<ResyncReport | undefined> {
    this.logger.info('resyncing the product copy from admin');
    for (let attempt = 0; !stopped(); attempt++) {
      try {
        return await this.run();
      } catch (err) {
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
        this.logger.warn({ err: (err as Error).message, retryInMs: Math.round(delay) }, 'resync from admin failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    return undefined;
  }
}
