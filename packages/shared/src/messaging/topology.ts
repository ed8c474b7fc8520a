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
  /** Admin's queue of likes (and likes taken back). */
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
  main: {
    from: 'adminExchange',
    events: [EventTypes.ProductCreated, EventTypes.ProductUpdated, EventTypes.ProductDeleted, EventTypes.UserChanged],
  },
  admin: { from: 'mainExchange', events: [EventTypes.ProductLiked, EventTypes.ProductUnliked] },
};

export function queueOf(topology: Topology, consumer: ConsumerName): string {
  return consumer === 'main' ? topology.mainQueue : topology.adminQueue;
}

export function deadLetterQueueOf(topology: Topology, consumer: ConsumerName): string {
  return consumer === 'main' ? topology.mainDeadLetterQueue : topology.adminDeadLetterQueue;
}

export interface TopologyOptions {
  /** Deliveries of one message before the quorum queue dead-letters it. */
  deliveryLimit: number;
  /**
   * Replicas of each quorum queue when it is created (`x-quorum-initial-group-size`); the broker's
   * default when absent. Part of a queue's identity for the broker: declare with the same value
   * everywhere, or let provisioning alone declare (services with AMQP_DECLARE_TOPOLOGY=false).
   */
  quorumInitialGroupSize?: number;
}

export type QueueArguments = Record<string, string | number>;

/** The whole topology as data: what is declared, in this order, by services and by provisioning alike. */
export interface TopologyPlan {
  exchanges: { name: string; type: 'topic' | 'direct' }[];
  queues: { name: string; arguments: QueueArguments }[];
  bindings: { exchange: string; queue: string; routingKey: string }[];
}

/**
 * The one description of exchanges, queues (with their quorum arguments) and bindings. The
 * services' own declaration (`assertTopology`, over AMQP) and provisioning (over the management
 * HTTP API) both read it, so what one declares is exactly what the other would.
 */
export function topologyPlan(topology: Topology, options: TopologyOptions): TopologyPlan {
  const quorum = (extra: QueueArguments = {}): QueueArguments => ({
    'x-queue-type': 'quorum',
    ...(options.quorumInitialGroupSize ? { 'x-quorum-initial-group-size': options.quorumInitialGroupSize } : {}),
    ...extra,
  });
  const plan: TopologyPlan = {
    exchanges: [
      { name: topology.adminExchange, type: 'topic' },
      { name: topology.mainExchange, type: 'topic' },
      { name: topology.deadLetterExchange, type: 'direct' },
    ],
    queues: [],
    bindings: [],
  };
  for (const consumer of ['main', 'admin'] as const) {
    const queue = queueOf(topology, consumer);
    const deadLetterQueue = deadLetterQueueOf(topology, consumer);
    plan.queues.push({ name: deadLetterQueue, arguments: quorum() });
    plan.bindings.push({ exchange: topology.deadLetterExchange, queue: deadLetterQueue, routingKey: queue });
    plan.queues.push({
      name: queue,
      arguments: quorum({
        'x-delivery-limit': options.deliveryLimit,
        'x-dead-letter-exchange': topology.deadLetterExchange,
        'x-dead-letter-routing-key': queue,
        // Safe dead-lettering: the message leaves this queue only once the dead-letter queue has it.
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      }),
    });
    const subscription = SUBSCRIPTIONS[consumer];
    for (const event of subscription.events) plan.bindings.push({ exchange: topology[subscription.from], queue, routingKey: event });
  }
  return plan;
}

/**
 * Declares the whole topology. Both services call it, publisher and consumer alike, when they may
 * (AMQP_DECLARE_TOPOLOGY): a message published before its queue exists would be confirmed and
 * silently dropped. With least-privilege broker users, the provisioning step declares it instead.
 */
export async function assertTopology(channel: ConfirmChannel, topology: Topology, options: TopologyOptions): Promise<void> {
  const plan = topologyPlan(topology, options);
  for (const exchange of plan.exchanges) await channel.assertExchange(exchange.name, exchange.type, { durable: true });
  for (const queue of plan.queues) await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  for (const binding of plan.bindings) await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
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
  options: TopologyOptions & { declare: boolean; service: ConsumerName; side: 'publisher' | 'consumer' },
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
