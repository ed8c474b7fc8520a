import type { Channel, ChannelModel, ConfirmChannel, GetMessage, MessagePropertyHeaders } from 'amqplib';
import type { EventType } from '../contracts/events';
import { COMMITTED_AT_HEADER } from './committed-at';
import { DEAD_LETTER_REASON_HEADER } from './consumer';
import { deadLetterQueueOf, SUBSCRIPTIONS, type ConsumerName, type Topology } from './topology';

/** A dead-lettered message as an operator needs to see it. */
export interface DeadLetter {
  queue: string;
  messageId: string | undefined;
  type: string | undefined;
  /** Our consumer's x-dead-letter-reason, or the broker's own (e.g. delivery_limit). */
  reason: string;
  /** As the message's headers claim: shown to operators, never used to choose where a replay goes. */
  originalExchange: string;
  originalRoutingKey: string;
  /** How often it was dead-lettered (the broker's x-death count), 1 for our own dead-lettering. */
  deaths: number;
  bytes: number;
}

export interface ReplayOutcome {
  /** Where every replayed message went: the exchange that feeds the consumer's queue. */
  exchange: string;
  replayed: DeadLetter[];
  failed: { deadLetter: DeadLetter; error: string }[];
}

/**
 * Where a dead-letter queue's messages may go back to: the exchange that feeds its consumer's
 * queue, under the routing keys that queue is bound for. Derived from the queue the message sits
 * in, never from the message: every service's broker user may write to the dead-letter exchange,
 * so a message's headers (x-original-exchange, x-death) are whatever its sender wrote.
 */
export interface ReplayTarget {
  consumer: ConsumerName;
  deadLetterQueue: string;
  exchange: string;
  routingKeys: readonly EventType[];
}

export function replayTargetOf(topology: Topology, consumer: ConsumerName): ReplayTarget {
  const subscription = SUBSCRIPTIONS[consumer];
  return {
    consumer,
    deadLetterQueue: deadLetterQueueOf(topology, consumer),
    exchange: topology[subscription.from],
    routingKeys: subscription.events,
  };
}

/** Headers that describe a dead-lettering: dropped on replay so the message travels as it did first. */
const DEAD_LETTER_HEADERS = [
  DEAD_LETTER_REASON_HEADER,
  'x-original-exchange',
  'x-original-routing-key',
  'x-dead-lettered-by',
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
];
const REPLAY_ID_HEADER = 'x-replay-id';

interface XDeath {
  count?: number;
  reason?: string;
  exchange?: string;
  'routing-keys'?: string[];
}

export function describeDeadLetter(queue: string, message: GetMessage): DeadLetter {
  const headers: MessagePropertyHeaders = message.properties.headers ?? {};
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : [];
  const first = deaths[deaths.length - 1];
  const text = (value: unknown): string | undefined =>
    value === undefined || value === null
      ? undefined
      : typeof value === 'string'
        ? value
        : Buffer.isBuffer(value)
          ? value.toString('utf8')
          : JSON.stringify(value);
  const ours = text(headers[DEAD_LETTER_REASON_HEADER]) !== undefined;
  return {
    queue,
    messageId: text(message.properties.messageId),
    type: text(message.properties.type),
    reason: text(headers[DEAD_LETTER_REASON_HEADER]) ?? text(headers['x-first-death-reason']) ?? first?.reason ?? 'unknown',
    originalExchange:
      (ours ? text(headers['x-original-exchange']) : undefined) ?? text(headers['x-first-death-exchange']) ?? first?.exchange ?? '',
    originalRoutingKey: (ours ? text(headers['x-original-routing-key']) : undefined) ?? first?.['routing-keys']?.[0] ?? '',
    deaths: ours ? 1 : deaths.reduce((sum, death) => sum + (death.count ?? 1), 0) || 1,
    bytes: message.content.length,
  };
}

/**
 * Reads every message in a dead-letter queue without removing it: each is fetched unacknowledged
 * and the channel is closed at the end, which puts them all back.
 */
export async function listDeadLetters(connection: ChannelModel, queue: string, options: { max?: number } = {}): Promise<DeadLetter[]> {
  const channel = await connection.createChannel();
  try {
    return (await fetchAll(channel, queue, options.max)).map((message) => describeDeadLetter(queue, message));
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * Republishes the chosen dead letters toward the consumer whose dead-letter queue they sit in (see
 * ReplayTarget), each with a publisher confirm (and `mandatory`, so an unroutable one counts as
 * failed), and removes a dead letter only after its copy is confirmed. A message whose routing key
 * is not one that consumer receives is not replayed at all. A failure leaves that message in the
 * queue; a crash between confirm and removal leaves a duplicate, which the consumer's inbox drops.
 */
export async function replayDeadLetters(
  connection: ChannelModel,
  target: ReplayTarget,
  chosen: (deadLetter: DeadLetter) => boolean,
  options: { confirmTimeoutMs: number; max?: number },
): Promise<ReplayOutcome> {
  const queue = target.deadLetterQueue;
  const reader = await connection.createChannel();
  const outcome: ReplayOutcome = { exchange: target.exchange, replayed: [], failed: [] };
  let publisher: Publisher | undefined;
  try {
    for (const message of await fetchAll(reader, queue, options.max)) {
      const deadLetter = describeDeadLetter(queue, message);
      if (!chosen(deadLetter)) continue;
      if (!(target.routingKeys as readonly string[]).includes(deadLetter.originalRoutingKey)) {
        outcome.failed.push({
          deadLetter,
          error: `routing key "${deadLetter.originalRoutingKey}" is not an event the ${target.consumer} queue receives; not replayed`,
        });
        continue;
      }
      try {
        publisher ??= await Publisher.open(connection);
        await publisher.publish(target.exchange, deadLetter, message, options.confirmTimeoutMs);
      } catch (err) {
        outcome.failed.push({ deadLetter, error: (err as Error).message });
        // A broker-side error closes the publishing channel; open a fresh one for the next message.
        if (publisher?.closed) publisher = undefined;
        continue;
      }
      try {
        reader.ack(message);
      } catch {
        // The reading channel is gone, so the broker puts the message back: a duplicate the inbox drops, never a loss.
      }
      outcome.replayed.push(deadLetter);
    }
  } finally {
    await publisher?.close();
    // Closing puts back every message not acknowledged above: the ones not chosen and the failures.
    await reader.close().catch(() => undefined);
  }
  return outcome;
}

async function fetchAll(channel: Channel, queue: string, max = 10_000): Promise<GetMessage[]> {
  await channel.checkQueue(queue).catch((err: Error) => {
    throw new Error(
      /NOT_FOUND/.test(err.message) ? `queue ${queue} does not exist (is AMQP_NAMESPACE right? has a service started?)` : err.message,
    );
  });
  // Every message fetched stays unacknowledged on this channel until it closes, so none is met twice
  // and the walk ends when the queue has nothing more to give (or at max).
  const messages: GetMessage[] = [];
  while (messages.length < max) {
    const message = await channel.get(queue, { noAck: false });
    if (!message) break;
    messages.push(message);
  }
  return messages;
}

/** The properties a replay keeps from the dead-lettered message. */
interface CopiedProperties {
  contentType?: string;
  contentEncoding?: string;
  messageId?: string;
  type?: string;
  timestamp?: number;
  correlationId?: string;
  appId?: string;
}

/** A confirm channel of its own, so a publish the broker refuses never closes the reading channel. */
class Publisher {
  closed = false;
  private readonly returned = new Set<string>();
  private next = 0;

  private constructor(private readonly channel: ConfirmChannel) {
    channel.on('close', () => {
      this.closed = true;
    });
    channel.on('error', () => {
      this.closed = true;
    });
    channel.on('return', (message: { properties: { headers?: MessagePropertyHeaders } }) => {
      const id: unknown = message.properties.headers?.[REPLAY_ID_HEADER];
      if (typeof id === 'string') this.returned.add(id);
    });
  }

  static async open(connection: ChannelModel): Promise<Publisher> {
    return new Publisher(await connection.createConfirmChannel());
  }

  async publish(exchange: string, deadLetter: DeadLetter, message: GetMessage, timeoutMs: number): Promise<void> {
    const replayId = `${process.pid}-${++this.next}`;
    // Committed for delivery again now: the consumer's lag starts here, not at the first publish.
    const headers: MessagePropertyHeaders = {
      ...(message.properties.headers ?? {}),
      [REPLAY_ID_HEADER]: replayId,
      'x-replayed-from': deadLetter.queue,
      [COMMITTED_AT_HEADER]: Date.now(),
    };
    for (const name of DEAD_LETTER_HEADERS) delete headers[name];
    // amqplib types these properties as `any`: they are copied through as the broker gave them.
    const properties: CopiedProperties = message.properties;
    await new Promise<void>((resolve, reject) => {
      const onClose = () => done(new Error(`the broker closed the channel (does exchange "${exchange}" exist?)`));
      const timer = setTimeout(() => done(new Error('publish confirm timed out')), timeoutMs);
      const done = (err: unknown) => {
        clearTimeout(timer);
        this.channel.removeListener('close', onClose);
        if (err && this.closed) reject(new Error(`the broker closed the channel (does exchange "${exchange}" exist?)`));
        else if (err) reject(err instanceof Error ? err : new Error(`the broker refused the message (${JSON.stringify(err)})`));
        else resolve();
      };
      this.channel.once('close', onClose);
      try {
        this.channel.publish(
          exchange,
          deadLetter.originalRoutingKey,
          message.content,
          {
            mandatory: true,
            persistent: true,
            contentType: properties.contentType,
            contentEncoding: properties.contentEncoding,
            messageId: properties.messageId,
            type: properties.type,
            timestamp: properties.timestamp,
            correlationId: properties.correlationId,
            appId: properties.appId,
            headers,
          },
          (err) => done(err),
        );
      } catch (err) {
        done(err);
      }
    });
    // The broker returns an unroutable mandatory message before it confirms it.
    if (this.returned.delete(replayId))
      throw new Error(`no queue is bound for "${deadLetter.originalRoutingKey}" on exchange "${exchange}"`);
  }

  async close(): Promise<void> {
    if (!this.closed) await this.channel.close().catch(() => undefined);
  }
}
