import { COMMITTED_AT_HEADER } from './committed-at';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import type { CatalogueEvent } from '../contracts/events';
import type { Logger } from '../logging/logger';
import { activeTraceCarrier, markActiveSpanFailed, untraced, withPublishSpan, type TraceCarrier } from '../observability/trace-context';
import { inFewRoundTrips, type Statement } from '../db/round-trips';
import { armConfirmCrash, noCrash, type CrashHook } from './crash-points';
import type { MessagingObserver } from './observer';
import { ReturnedMessages } from './returns';

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  payload: string;
  trace_context: string | null;
  /** Times the broker returned it unroutable so far. */
  attempts: number;
  /** When the row was committed (ms since the epoch): what the consumer's lag starts from. */
  committed_at_ms: number | string;
}

/**
 * Records an event in the same transaction as the state change it announces, with the W3C trace
 * context (`traceparent`) of the request that caused it, so the relay's publish, however much
 * later, continues the request's trace. Defaults to the active context.
 */
export async function addToOutbox(
  tx: EntityManager,
  event: CatalogueEvent,
  traceContext: TraceCarrier | null = activeTraceCarrier(),
): Promise<void> {
  await tx.query('INSERT INTO outbox (event_id, event_type, payload, trace_context) VALUES (?, ?, ?, ?)', [
    event.id,
    event.type,
    JSON.stringify(event),
    storableCarrier(traceContext),
  ]);
}

const CLAIM_SQL =
  'SELECT id, event_id, event_type, payload, trace_context, attempts, ROUND(UNIX_TIMESTAMP(created_at) * 1000) AS committed_at_ms FROM outbox WHERE next_attempt_at <= CURRENT_TIMESTAMP(3) ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED';

/** The column's width (VARCHAR(1024) in the initial migrations). */
const TRACE_CONTEXT_MAX = 1024;

/**
 * A caller's `tracestate` may legally run to kilobytes: it must never make the write fail, so an
 * oversized carrier keeps only `traceparent` (the trace continues; vendor state is dropped).
 */
function storableCarrier(carrier: TraceCarrier | null): string | null {
  if (!carrier || Object.keys(carrier).length === 0) return null;
  const full = JSON.stringify(carrier);
  if (full.length <= TRACE_CONTEXT_MAX) return full;
  return carrier.traceparent ? JSON.stringify({ traceparent: carrier.traceparent }) : null;
}

/** Records several events in one statement (a batch of likes), in the caller's transaction. */
export async function addAllToOutbox(tx: EntityManager, entries: OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const { sql, params } = outboxInsertStatement(entries);
  await tx.query(sql, params as unknown[]);
}

export interface OutboxEntry {
  event: CatalogueEvent;
  traceContext?: TraceCarrier | null;
}

/** addAllToOutbox's statement, for a caller that sends it with others in one round trip (db/round-trips.ts); at least one entry. */
export function outboxInsertStatement(entries: readonly OutboxEntry[]): Statement {
  return {
    sql: 'INSERT INTO outbox (event_id, event_type, payload, trace_context) VALUES ?',
    params: [
      entries.map(({ event, traceContext }) => [event.id, event.type, JSON.stringify(event), storableCarrier(traceContext ?? null)]),
    ],
  };
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  channel: ChannelWrapper;
  exchange: string;
  logger: Logger;
  isBrokerConnected: () => boolean;
  sweepIntervalMs: number;
  confirmTimeoutMs: number;
  /** Backoff for a row the broker returned unroutable: the first retry after `baseMs`, doubling up to `maxMs`. */
  unroutableRetry?: { baseMs: number; maxMs: number };
  batchSize?: number;
  /**
   * Drains running at once. SKIP LOCKED gives each its own rows, so a commit's events go out while
   * an earlier batch still waits for its confirms instead of queueing behind it.
   */
  maxInFlight?: number;
  observer?: MessagingObserver;
  crash?: CrashHook;
}

export interface OutboxBacklog {
  rows: number;
  oldestAgeSeconds: number;
}

/** How many rows wait in a schema's outbox and how old the oldest is; for metrics and operators. */
export async function readOutboxBacklog(dataSource: DataSource): Promise<OutboxBacklog> {
  // CURRENT_TIMESTAMP, like the column's default, so the session time zone cancels out.
  const rows: { n: string | number; oldest: string | number | null }[] = await dataSource.query(
    'SELECT COUNT(*) AS n, TIMESTAMPDIFF(MICROSECOND, MIN(created_at), CURRENT_TIMESTAMP(3)) AS oldest FROM outbox',
  );
  const row = rows[0];
  return { rows: Number(row?.n ?? 0), oldestAgeSeconds: row?.oldest == null ? 0 : Math.max(0, Number(row.oldest) / 1e6) };
}

/** How long a row the broker has returned `attempts` times before waits for its next try. */
export function unroutableRetryDelayMs(attempts: number, retry: { baseMs: number; maxMs: number }): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempts, 30));
}

const DEFAULT_UNROUTABLE_RETRY = { baseMs: 1000, maxMs: 60_000 };

/**
 * Publishes committed outbox rows: right after a commit (`kick`) for low latency, and on a sweep
 * for whatever a crash or an outage left behind. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * several replicas share the work, and deleted only after the broker confirms them.
 *
 * Every publish is `mandatory`: a message no queue is bound for comes back (basic.return, before
 * its confirm). Such a row is not delivered, so it stays, is counted, and waits for a retry of its
 * own (`next_attempt_at`, backing off), while the rows behind it go out as usual.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly crash: CrashHook;
  private readonly running = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private again = false;
  private stopped = true;
  private sweepTimer: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private readonly returns = new ReturnedMessages();
  private readonly unroutableRetry: { baseMs: number; maxMs: number };

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.maxInFlight = options.maxInFlight ?? 1;
    this.crash = options.crash ?? noCrash;
    this.unroutableRetry = options.unroutableRetry ?? DEFAULT_UNROUTABLE_RETRY;
    // A setup function runs on every (re)connection's new channel, where the returns (and, with a
    // crash point armed, the confirms) arrive.
    options.channel
      .addSetup((channel: ConfirmChannel) => {
        this.returns.watch(channel);
        armConfirmCrash(channel, this.crash);
        return Promise.resolve();
      })
      .catch((err: unknown) => {
        options.logger.warn({ err: (err as Error).message }, 'could not watch the publishing channel for returned messages');
      });
  }

  start(): void {
    this.stopped = false;
    this.sweepTimer = setInterval(() => this.kick(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
    this.kick();
  }

  /** Resolves once the publishing channel is open (its topology declared). */
  async ready(): Promise<void> {
    await this.options.channel.waitForConnect();
  }

  /** Asks for a drain soon; cheap to call after every commit. */
  kick(): void {
    if (this.stopped) return;
    if (this.running.size >= this.maxInFlight) {
      this.again = true;
      return;
    }
    const run = this.drain().finally(() => {
      this.running.delete(run);
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    this.running.add(run);
  }

  /** Waits for the drains under way, then stops; unsent rows stay for the next start or replica. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    await Promise.allSettled([...this.running]);
  }

  /** Publishes until the outbox is empty; for shutdown and tests. */
  async flush(): Promise<void> {
    while ((await this.publishBatch()) > 0) {
      /* keep going */
    }
  }

  async backlog(): Promise<OutboxBacklog> {
    return readOutboxBacklog(this.options.dataSource);
  }

  private async drain(): Promise<void> {
    try {
      let published: number;
      do {
        published = await this.publishBatch();
      } while (published >= this.batchSize && !this.stopped);
      this.consecutiveFailures = 0;
    } catch (err) {
      this.consecutiveFailures++;
      this.options.logger.warn(
        { err: (err as Error).message, failures: this.consecutiveFailures },
        'outbox relay could not publish; will retry',
      );
      // The sweep retries; don't spin on a broken database or broker.
    }
  }

  /**
   * Claims one batch of due rows, publishes it with confirms, deletes what was confirmed and
   * routed, and schedules the next try of what came back unroutable. Returns rows claimed.
   */
  async publishBatch(): Promise<number> {
    if (!this.options.isBrokerConnected()) return 0;
    // READ COMMITTED: the claim locks only the rows it read, never the gap after the last one,
    // so new likes and changes keep committing while a publish waits for its confirm.
    // The polling itself is not traced; each publish continues the trace stored with its row.
    // Rows the broker confirmed in this claim: if the claim then rolls back they are published again.
    let confirmedInClaim = 0;
    // Two round trips: the claim opens the transaction, the DELETE travels with the COMMIT.
    const claim = untraced(() =>
      inFewRoundTrips(
        this.options.dataSource,
        { isolation: 'READ COMMITTED', opening: [{ sql: CLAIM_SQL, params: [this.batchSize] }] },
        async ([claimed], tx) => {
          const rows = claimed as OutboxRow[];
          if (rows.length === 0) {
            await tx.commit();
            return { claimed: 0, error: undefined };
          }
          const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
          const confirmed: string[] = [];
          const returned: OutboxRow[] = [];
          let firstError: unknown;
          results.forEach((result, i) => {
            const row = rows[i]!;
            if (result.status === 'fulfilled' && result.value === 'returned') {
              returned.push(row);
            } else if (result.status === 'fulfilled') {
              confirmed.push(row.id);
              this.options.observer?.published?.(row.event_type, 1);
            } else {
              firstError ??= result.reason;
              this.options.observer?.publishFailed?.(row.event_type, (result.reason as Error)?.message ?? 'unknown');
            }
          });
          confirmedInClaim = confirmed.length;
          this.crash('after-confirm-before-mark-sent');
          await tx.commit([
            ...(confirmed.length > 0 ? [{ sql: 'DELETE FROM outbox WHERE id IN (?)', params: [confirmed] }] : []),
            ...(returned.length > 0 ? [this.parkUnroutable(returned)] : []),
          ]);
          return { claimed: rows.length, error: firstError };
        },
      ),
    );
    const outcome = await claim.catch((err: unknown) => {
      if (confirmedInClaim > 0) this.options.observer?.claimRolledBack?.(confirmedInClaim);
      throw err;
    });
    // Thrown after the commit, so the rows that were confirmed stay marked sent.
    if (outcome.error)
      throw outcome.error instanceof Error ? outcome.error : new Error('the broker refused a publish', { cause: outcome.error });
    return outcome.claimed;
  }

  /**
   * Rows the broker returned keep their place in the outbox but are not claimed again before
   * their backoff ends, so they never hold up the rows behind them; counted and logged per batch.
   */
  private parkUnroutable(rows: OutboxRow[]): Statement {
    const delays = rows.map((row) => [row.id, Math.round(unroutableRetryDelayMs(Number(row.attempts), this.unroutableRetry) * 1000)]);
    const byType = new Map<string, number>();
    for (const row of rows) byType.set(row.event_type, (byType.get(row.event_type) ?? 0) + 1);
    for (const [type, count] of byType) this.options.observer?.unroutable?.(type, count);
    this.options.logger.warn(
      { exchange: this.options.exchange, events: Object.fromEntries(byType), eventIds: rows.slice(0, 10).map((row) => row.event_id) },
      'the broker returned events as unroutable (no queue bound for their routing key); they stay in the outbox and are retried with backoff',
    );
    return {
      sql: `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = CURRENT_TIMESTAMP(3) + INTERVAL (CASE id ${delays.map(() => 'WHEN ? THEN ?').join(' ')} END) MICROSECOND WHERE id IN (?)`,
      params: [...delays.flat(), rows.map((row) => row.id)],
    };
  }

  /** Publishes one row mandatory and waits for its confirm: routed, or returned unroutable. */
  private async publish(row: OutboxRow): Promise<'routed' | 'returned'> {
    const stored = row.trace_context ? parseCarrier(row.trace_context) : null;
    const { exchange } = this.options;
    let outcome: 'routed' | 'returned' = 'routed';
    await withPublishSpan({ exchange, routingKey: row.event_type, messageId: row.event_id, stored }, async (headers) => {
      const settle = this.returns.expect(row.event_id);
      try {
        // Resolves on the broker's confirm (see armConfirmCrash for the crash point in between).
        await this.options.channel.publish(exchange, row.event_type, Buffer.from(row.payload, 'utf8'), {
          persistent: true,
          mandatory: true,
          contentType: 'application/json',
          messageId: row.event_id,
          type: row.event_type,
          timestamp: Math.floor(Date.now() / 1000),
          headers: { ...headers, [COMMITTED_AT_HEADER]: Number(row.committed_at_ms) },
          timeout: this.options.confirmTimeoutMs,
        });
      } finally {
        // The return, if any, came before the confirm on the same channel.
        if (settle()) outcome = 'returned';
      }
      if (outcome === 'returned') markActiveSpanFailed('returned unroutable');
    });
    return outcome;
  }
}

/** A stored carrier that does not parse is dropped: the event still goes out, in a trace of its own. */
function parseCarrier(stored: string): TraceCarrier | null {
  try {
    const parsed: unknown = JSON.parse(stored);
    if (!parsed || typeof parsed !== 'object') return null;
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return null;
  }
}
