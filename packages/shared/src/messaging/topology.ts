import type { ConfirmChannel } from 'amqplib';
import { EventTypes, type EventType } from '../contracts/events';

/** Every exchange and queue of the system, derived from one namespace so test runs never collide. */
export interface Topology {
  /** Admin owns it and publishes product changes to it. */
  adminExchange: string;
  /** Main owns it and publishes likes to it. */
  mainExchange: string;
  deadLetterExchange: string;
  /** Main's queue of product changes; named as in the system we replace. */
  mainQueue: string;
  /** Admin's queue of likes. */
  adminQueue: string;
  mainDeadLetterQueue: string;
  adminDeadLetterQueue: string;
}

export type ConsumerName = 'main' | 'admin';

export function topologyFor(namespace: string): Topology {
  return {
    adminExchange: `${namespace}admin.events`,
    mainExchange: `${namespace}main.events`,
    deadLetterExchange: `${namespace}dead-letter`,
    mainQueue: `${namespace}main`,
    adminQueue: `${namespace}admin`,
    mainDeadLetterQueue: `${namespace}main.dead-letter`,
    adminDeadLetterQueue: `${namespace}admin.dead-letter`,
  };
}

/** What each consumer's queue receives. */
export const SUBSCRIPTIONS: Record<ConsumerName, { from: 'adminExchange' | 'mainExchange'; events: EventType[] }> = {
  main: { from: 'adminExchange', events: [EventTypes.ProductCreated, EventTypes.ProductUpdated, EventTypes.ProductDeleted, EventTypes.UserChanged] },
  admin: { from: 'mainExchange', events: [EventTypes.ProductLiked] },
};

export function queueOf(topology: Topology, consumer: ConsumerName): string {
  return consumer === 'main' ? topology.mainQueue : topology.adminQueue;
}

export function deadLetterQueueOf(topology: Topology, consumer: ConsumerName): string {
  return consumer === 'main' ? topology.mainDeadLetterQueue : topology.adminDeadLetterQueue;
}

/**
 * Declares the whole topology. Both services call it, publisher and consumer alike, when they may
 * (AMQP_DECLARE_TOPOLOGY): a message published before its queue exists would be confirmed and
 * silently dropped. With least-privilege broker users, the provisioning step calls it instead.
 */
export async function assertTopology(channel: ConfirmChannel, topology: Topology, options: { deliveryLimit: number }): Promise<void> {
  await channel.assertExchange(topology.adminExchange, 'topic', { durable: true });
  await channel.assertExchange(topology.mainExchange, 'topic', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'direct', { durable: true });
  for (const consumer of ['main', 'admin'] as const) {
    const queue = queueOf(topology, consumer);
    const deadLetterQueue = deadLetterQueueOf(topology, consumer);
    await channel.assertQueue(deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(deadLetterQueue, topology.deadLetterExchange, queue);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': options.deliveryLimit,
        'x-dead-letter-exchange': topology.deadLetterExchange,
        'x-dead-letter-routing-key': queue,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
    const subscription = SUBSCRIPTIONS[consumer];
    for (const event of subscription.events) {
      await channel.bindQueue(queue, topology[subscription.from], event);
    }
  }
}

export function exchangeOf(topology: Topology, service: ConsumerName): string {
  return service === 'main' ? topology.mainExchange : topology.adminExchange;
}

/**
 * What one side of a service needs before it runs: the whole topology declared (when the broker
 * user may configure), or else a passive check, which needs no permission, that provisioning made
 * what it uses, so a missing piece fails loudly at start instead of dropping messages.
 */
export async function prepareTopology(
  channel: ConfirmChannel,
  topology: Topology,
  options: { declare: boolean; deliveryLimit: number; service: ConsumerName; side: 'publisher' | 'consumer' },
): Promise<void> {
  if (options.declare) return assertTopology(channel, topology, options);
  if (options.side === 'publisher') {
    await channel.checkExchange(exchangeOf(topology, options.service));
  } else {
    await channel.checkQueue(queueOf(topology, options.service));
    await channel.checkExchange(topology.deadLetterExchange);
  }
}

/**
 * The RabbitMQ permissions (configure, write, read regexes) of a service's broker user: it
 * publishes only to its own exchange (and to the dead-letter exchange, for messages it refuses),
 * consumes only its own queue, and declares or deletes nothing (provisioning does).
 */
export function brokerPermissions(namespace: string, service: ConsumerName): { configure: string; write: string; read: string } {
  const topology = topologyFor(namespace);
  const exactly = (...names: string[]) => `^(${names.map(escapeRegExp).join('|')})$`;
  return {
    configure: '^$',
    write: exactly(exchangeOf(topology, service), topology.deadLetterExchange),
    read: exactly(queueOf(topology, service)),
  };
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
