import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logging/logger';
import type { MessagingObserver } from './observer';

/** An inbox row about to be forgotten. */
export interface ForgottenEvent {
  eventId: string;
  eventType: string;
  processedAt: Date;
}

export interface InboxPrunerOptions {
  dataSource: DataSource;
  logger: Logger;
  retentionDays: number;
  intervalMs: number;
  /** Rows per DELETE: small, so each transaction holds its locks for milliseconds. */
  batchSize?: number;
  /** Between batches, so the consumer's own writes never queue behind a long prune. */
  pauseMs?: number;
  /**
   * Runs in the transaction that forgets these rows, before they go: whatever must outlive the
   * inbox (admin's applied likes) is kept here, so it can never be lost to a prune.
   */
  beforeForget?: (tx: EntityManager, events: ForgottenEvent[]) => Promise<void>;
  observer?: MessagingObserver;
}

/**
 * Bounds the inbox (`processed_events`): rows older than the retention are deleted in small
 * batches, oldest first, on a timer, by the process that consumes. The inbox only has to outlive
 * redeliveries; effects that must be recognised for ever (a like re-announced by reconcile) keep
 * their own record (see `beforeForget` and decision record 0011).
 */
export class InboxPruner {
  private readonly batchSize: number;
  private readonly pauseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** Set by stop(): a prune under way ends after its current batch. */
  private stopped = false;

  constructor(private readonly options: InboxPrunerOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pauseMs = options.pauseMs ?? 50;
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.prune(), this.options.intervalMs);
    this.timer.unref();
    void this.prune();
  }

  /** Stops the timer and lets a prune under way finish its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass (never two at once); failures are logged and the next pass tries again. Returns rows pruned. */
  prune(): Promise<number> {
    this.running ??= this.pruneAll()
      .catch((err: unknown) => {
        this.options.logger.warn({ err: (err as Error).message }, 'could not prune the inbox; will try again');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pruneAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const pruned = await this.pruneBatch();
      total += pruned;
      if (pruned > 0) this.options.observer?.inboxPruned?.(pruned);
      if (pruned < this.batchSize || this.stopped) break;
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
    if (total > 0) this.options.logger.info({ pruned: total, retentionDays: this.options.retentionDays }, 'pruned the inbox');
    return total;
  }

  /**
   * READ COMMITTED: only the rows read are locked, never the gaps next to them, so the consumer's
   * inserts of new rows (the far end of the index) never wait for a prune.
   */
  private pruneBatch(): Promise<number> {
    return this.options.dataSource.transaction('READ COMMITTED', async (tx) => {
      const rows: { event_id: string; event_type: string; processed_at: Date }[] = await tx.query(
        'SELECT event_id, event_type, processed_at FROM processed_events WHERE processed_at < CURRENT_TIMESTAMP(3) - INTERVAL ? DAY ORDER BY processed_at LIMIT ? FOR UPDATE SKIP LOCKED',
        [this.options.retentionDays, this.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.options.beforeForget?.(
        tx,
        rows.map((row) => ({ eventId: row.event_id, eventType: row.event_type, processedAt: row.processed_at })),
      );
      await tx.query('DELETE FROM processed_events WHERE event_id IN (?)', [rows.map((row) => row.event_id)]);
      return rows.length;
    });
  }
}
