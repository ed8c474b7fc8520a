import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { DataSource, EntityManager } from 'typeorm';
import { parseEvent, type CatalogueEvent, type EventType } from '../contracts/events';
import { dbErrorKind, isConflictError, isTransientDbError } from '../db/errors';
import { inFewRoundTrips } from '../db/round-trips';
import { affectedRows, createTransactionRunner, transactionErrorKind, transactionErrors, type TransactionRunner } from '../db/transaction';
import { MicroBatcher, type BatchOutcome } from '../runtime/batcher';
import type { Logger } from '../logging/logger';
import type { Broker } from './broker';
import { committedAtMs } from './committed-at';
import { noCrash, type CrashHook } from './crash-points';
import { markActiveSpanFailed, withConsumeSpan } from '../observability/trace-context';
import type { ConsumeOutcome, MessagingObserver } from './observer';
import { deadLetterQueueOf, prepareTopology, queueOf, type ConsumerName, type Topology } from './topology';

/** Applies one event inside the transaction that also records it as processed. */
export type EventHandler = (event: CatalogueEvent, tx: EntityManager) => Promise<void>;

/**
 * Optional: applies several events of one type at once (e.g. one UPDATE for many likes), inside
 * the transaction that records them all as processed. Must have the same effect as the one-event
 * handler applied to each, which still serves whenever a batch falls back to one by one.
 */
export type BatchEventHandler = (events: CatalogueEvent[], tx: EntityManager) => Promise<void>;

/** Thrown by a handler for a message that can never succeed: it is dead-lettered at once. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

export interface EventConsumerOptions {
  consumer: ConsumerName;
  broker: Broker;
  topology: Topology;
  dataSource: DataSource;
  handlers: Partial<Record<EventType, EventHandler>>;
  batchHandlers?: Partial<Record<EventType, BatchEventHandler>>;
  logger: Logger;
  prefetch: number;
  deliveryLimit: number;
  /** Declare the topology, or only check that provisioning made this consumer's queue. */
  declareTopology?: boolean;
  confirmTimeoutMs: number;
  observer?: MessagingObserver;
  crash?: CrashHook;
}

/** The channel a delivery arrived on: its ack must go back on that channel, and only while it is open. */
interface DeliveryChannel {
  channel: ConfirmChannel;
  open: boolean;
}

export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';

/**
 * At-least-once delivery made exactly-once in effect: each event is recorded in `processed_events`
 * in the same transaction as its effect, and acknowledged only after that commit. Messages that
 * fail validation are dead-lettered with their reason; handler errors are requeued until the
 * queue's delivery limit dead-letters them; database outages are waited out, not counted.
 */
export class EventConsumer {
  private readonly queue: string;
  private readonly runInTransaction: TransactionRunner;
  private readonly crash: CrashHook;
  private readonly inFlight = new Set<Promise<void>>();
  private channel: ChannelWrapper | undefined;
  private current: { delivery: DeliveryChannel; consumerTag: string } | undefined;
  private stopping = false;
  private readonly batcher: MicroBatcher<{ event: CatalogueEvent; handler: EventHandler }, ConsumeOutcome>;

  constructor(private readonly options: EventConsumerOptions) {
    this.queue = queueOf(options.topology, options.consumer);
    this.runInTransaction = createTransactionRunner(options.dataSource, { idempotent: true, maxAttempts: 3 });
    this.crash = options.crash ?? noCrash;
    this.batcher = new MicroBatcher({ maxBatch: Math.max(1, options.prefetch), maxConcurrent: 3, run: (items) => this.applyBatch(items) });
  }

  start(): Promise<void> {
    this.stopping = false;
    this.channel = this.options.broker.createChannel(`consumer:${this.queue}`, async (channel) => {
      await prepareTopology(channel, this.options.topology, {
        declare: this.options.declareTopology ?? true,
        deliveryLimit: this.options.deliveryLimit,
        service: this.options.consumer,
        side: 'consumer',
      });
      if (this.stopping) return;
      await channel.prefetch(this.options.prefetch);
      const delivery: DeliveryChannel = { channel, open: true };
      channel.once('close', () => {
        delivery.open = false;
      });
      const { consumerTag } = await channel.consume(this.queue, (message) => {
        if (message) this.track(this.handle(message, delivery));
      });
      this.current = { delivery, consumerTag };
    });
    // Resolves once connected; the service starts serving before that, so don't wait here.
    void this.channel.waitForConnect().catch(() => undefined);
    return Promise.resolve();
  }

  /** Resolves once the consumer is subscribed to its queue. */
  async ready(): Promise<void> {
    await this.channel?.waitForConnect();
  }

  /** Stops taking deliveries, lets in-flight ones commit and ack (or go back to the queue), then closes. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    const current = this.current;
    if (current?.delivery.open) {
      await current.delivery.channel.cancel(current.consumerTag).catch(() => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    await this.channel?.close().catch(() => undefined);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** One delivery, inside a CONSUMER span that continues the publisher's trace. */
  private handle(message: ConsumeMessage, delivery: DeliveryChannel): Promise<void> {
    const { exchange, routingKey } = message.fields;
    const { headers } = message.properties;
    const messageId = textProperty(message.properties.messageId);
    return withConsumeSpan({ queue: this.queue, exchange, routingKey, messageId, headers }, () => this.process(message, delivery));
  }

  private async process(message: ConsumeMessage, delivery: DeliveryChannel): Promise<void> {
    const started = performance.now();
    const typeHint = textProperty(message.properties.type) ?? 'unknown';
    this.options.observer?.delivered?.({ type: typeHint, redelivered: message.fields.redelivered });
    let raw: unknown;
    try {
      raw = JSON.parse(message.content.toString('utf8'));
    } catch {
      return this.deadLetter(message, delivery, typeHint, 'malformed JSON');
    }
    const parsed = parseEvent(raw);
    if (!parsed.ok) return this.deadLetter(message, delivery, typeHint, parsed.reason);
    const event = parsed.event;
    const handler = this.options.handlers[event.type];
    if (!handler) return this.deadLetter(message, delivery, event.type, `event type ${event.type} is not consumed by queue ${this.queue}`);

    let outcome: ConsumeOutcome;
    try {
      outcome = await this.batcher.submit({ event, handler });
    } catch (err) {
      if (err instanceof PoisonMessageError) return this.deadLetter(message, delivery, event.type, err.message);
      this.options.observer?.consumeFailed?.({ type: event.type, kind: dbErrorKind(err) });
      markActiveSpanFailed(`handler failed (${dbErrorKind(err)}); requeued`);
      this.options.logger.error({ err: (err as Error).message, eventId: event.id, type: event.type }, 'event handler failed; requeueing');
      // A short pause so a failing message doesn't spin; the delivery limit dead-letters it eventually.
      await sleep(this.stopping ? 0 : 200);
      this.settle(delivery, (channel) => channel.nack(message, false, true));
      // The quorum queue dead-letters a message returned more often than its delivery limit; the
      // header counts the returns before this one, so this return is past the limit: counted here,
      // as the broker will not tell us.
      if (returnsBefore(message) >= this.options.deliveryLimit)
        this.options.observer?.deadLettered?.({ type: event.type, reason: DELIVERY_LIMIT_REASON });
      return;
    }
    this.crash('after-consume-commit-before-ack');
    this.settle(delivery, (channel) => channel.ack(message));
    this.options.observer?.consumed?.({
      type: event.type,
      outcome,
      durationSeconds: (performance.now() - started) / 1000,
      redelivered: message.fields.redelivered,
      lagSeconds: Math.max(0, (Date.now() - committedAtMs(message.properties.headers, event.occurredAt)) / 1000),
    });
  }

  /**
   * Deliveries that arrive together are applied in one transaction (one commit for many events).
   * Anything unusual in a batch (an event seen before, a failing handler, a database error) sends
   * every event of that batch down the one-by-one path, so each gets exactly its own outcome.
   */
  private async applyBatch(items: { event: CatalogueEvent; handler: EventHandler }[]): Promise<BatchOutcome<ConsumeOutcome>[]> {
    // A deadlock with another batch is retried as a whole; anything else goes one by one at once.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyTogether(items);
      } catch (err) {
        // Rolled back as a whole: nothing of the batch was applied, so one by one is safe.
        if (!isConflictError(err) || attempt >= 3) break;
        transactionErrors.retried(transactionErrorKind(err));
      }
    }
    return Promise.all(
      items.map(({ event, handler }) =>
        this.applyOnce(event, handler).then(
          (value): BatchOutcome<ConsumeOutcome> => ({ ok: true, value }),
          (error: unknown): BatchOutcome<ConsumeOutcome> => ({ ok: false, error }),
        ),
      ),
    );
  }

  /**
   * The common case, also for a delivery alone: one transaction whose opening carries the inbox
   * insert and whose COMMIT is its own round trip (decision 0025); each type's batch handler when
   * it has one. Throws (rolled back) on anything unusual, for the one-by-one path.
   */
  private async applyTogether(items: { event: CatalogueEvent; handler: EventHandler }[]): Promise<BatchOutcome<ConsumeOutcome>[]> {
    const fresh = [...new Map(items.map((item) => [item.event.id, item.event])).values()];
    const opening = [
      { sql: 'INSERT IGNORE INTO processed_events (event_id, event_type) VALUES ?', params: [fresh.map((e) => [e.id, e.type])] },
    ];
    return inFewRoundTrips(this.options.dataSource, { opening }, async ([inserted], tx) => {
      // A delivery alone that was processed before: nothing to apply (rolled back, nothing written).
      if (items.length === 1 && affectedRows(inserted) === 0) return [{ ok: true, value: 'duplicate' as const }];
      if (affectedRows(inserted) !== fresh.length) throw new Error('some events were processed before');
      const firstOfId = new Set<string>();
      const outcomes: BatchOutcome<ConsumeOutcome>[] = items.map(({ event }) => {
        if (firstOfId.has(event.id)) return { ok: true, value: 'duplicate' };
        firstOfId.add(event.id);
        return { ok: true, value: 'applied' };
      });
      // Handlers are chosen by type, so every event of a type has the same one.
      const byType = new Map<EventType, { handler: EventHandler; events: CatalogueEvent[] }>();
      for (const { event, handler } of items) {
        if (!firstOfId.delete(event.id)) continue; // each id once, in delivery order
        const group = byType.get(event.type) ?? { handler, events: [] };
        group.events.push(event);
        byType.set(event.type, group);
      }
      for (const [type, { handler, events }] of byType) {
        const many = this.options.batchHandlers?.[type];
        if (many) await many(events, tx.manager);
        else for (const event of events) await handler(event, tx.manager);
      }
      await tx.commit();
      return outcomes;
    });
  }

  /** Records the event id and applies the effect in one transaction; waits out database outages. */
  private async applyOnce(event: CatalogueEvent, handler: EventHandler): Promise<ConsumeOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.runInTransaction(async (tx) => {
          const inserted: unknown = await tx.query('INSERT IGNORE INTO processed_events (event_id, event_type) VALUES (?, ?)', [
            event.id,
            event.type,
          ]);
          if (affectedRows(inserted) === 0) return 'duplicate' as const;
          await handler(event, tx);
          return 'applied' as const;
        });
      } catch (err) {
        if (!isTransientDbError(err) || this.stopping) throw err;
        const delay = Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
        if (attempt === 0)
          this.options.logger.warn({ err: (err as Error).message, eventId: event.id }, 'database unavailable; retrying event');
        await sleep(delay);
      }
    }
  }

  /**
   * Dead-letters with a reason we can show later: the copy is published (and confirmed) to the
   * dead-letter exchange before the original is acked, so a crash in between duplicates, never loses.
   */
  private async deadLetter(message: ConsumeMessage, delivery: DeliveryChannel, type: string, reason: string): Promise<void> {
    this.options.logger.warn({ messageId: message.properties.messageId, type, reason }, 'dead-lettering message');
    markActiveSpanFailed('dead-lettered');
    try {
      await publishConfirmed(
        delivery.channel,
        this.options.topology.deadLetterExchange,
        this.queue,
        message.content,
        {
          ...message.properties,
          headers: {
            ...(message.properties.headers ?? {}),
            [DEAD_LETTER_REASON_HEADER]: reason.slice(0, 1000),
            'x-original-exchange': message.fields.exchange,
            'x-original-routing-key': message.fields.routingKey,
            'x-dead-lettered-by': this.queue,
          },
        },
        this.options.confirmTimeoutMs,
      );
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not dead-letter; requeueing');
      this.settle(delivery, (channel) => channel.nack(message, false, true));
      return;
    }
    this.settle(delivery, (channel) => channel.ack(message));
    this.options.observer?.deadLettered?.({ type, reason: reason.split(':')[0] ?? reason });
  }

  private settle(delivery: DeliveryChannel, action: (channel: ConfirmChannel) => void): void {
    // After a reconnect the old delivery tag means nothing to the new channel; the broker redelivers.
    if (!delivery.open) return;
    try {
      action(delivery.channel);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not settle delivery; the broker will redeliver it');
    }
  }

  /** For tests and operations. */
  deadLetterQueue(): string {
    return deadLetterQueueOf(this.options.topology, this.options.consumer);
  }
}

/** The reason the broker gives (x-death) for a message dead-lettered by the queue's delivery limit. */
export const DELIVERY_LIMIT_REASON = 'delivery_limit';

/** Times the broker already returned this message to the queue (quorum queues' x-delivery-count). */
function returnsBefore(message: ConsumeMessage): number {
  const count = Number(message.properties.headers?.['x-delivery-count'] ?? 0);
  return Number.isFinite(count) ? count : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Parameters<ConfirmChannel['publish']>[3],
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('publish confirm timed out')), timeoutMs);
    try {
      channel.publish(exchange, routingKey, content, options, (err) => {
        clearTimeout(timer);
        if (err) reject(err instanceof Error ? err : new Error('publish was nacked'));
        else resolve();
      });
    } catch (err) {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** amqplib types message properties as `any`; a publisher we do not control may send anything there. */
function textProperty(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
