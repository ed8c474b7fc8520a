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
  main: { from: 'adminExchange', events: [EventTypes.ProductCreated, EventTypes.ProductUpdated, EventTypes.ProductDeleted] },
  admin: { from: 'mainExchange', events: [EventTypes.ProductLiked] },
};

export function queueOf(topology: Topology, consumer: ConsumerName): string {
  return consumer === 'main' ? topology.mainQueue : topology.adminQueue;
}

export function deadLetterQueueOf(topology: Topology, consumer: ConsumerName): string {
  return consumer === 'main' ? topology.mainDeadLetterQueue : topology.adminDeadLetterQueue;
}

/**
 * Declares the whole topology. Both services call it, publisher and consumer alike: a message
 * published before its queue exists would be confirmed and silently dropped.
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
