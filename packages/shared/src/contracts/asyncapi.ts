import { z } from 'zod';
import { SUBSCRIPTIONS, topologyFor, topologyPlan, type ConsumerName } from '../messaging/topology';
import { EVENT_SCHEMAS, EVENT_SOURCE, EventTypes, type EventType } from './events';

/** The message's component name: product_created becomes productCreated. */
const messageName = (type: EventType) => type.replace(/_(\w)/g, (_all, c: string) => c.toUpperCase());

const SUMMARIES: Record<EventType, string> = {
  product_created: 'admin-service committed a new product.',
  product_updated: "admin-service committed a change to a product's title or image (or re-announced it under a new version).",
  product_deleted: 'admin-service deleted a product; main keeps a tombstone with this version.',
  product_liked: 'main-service committed a like (or re-announced it under its original id).',
  product_unliked:
    "main-service committed taking a like back (carries the like's id; admin counts it down once, or keeps a tombstone when the like has not arrived yet).",
  user_changed: "admin-service changed a user's role or disabled flag: tokens issued before it are revoked.",
};

const EXCHANGE_OF = { admin: 'adminEvents', main: 'mainEvents' } as const;
const QUEUE_OF: Record<ConsumerName, 'mainQueue' | 'adminQueue'> = { main: 'mainQueue', admin: 'adminQueue' };
const RECEIVERS: Record<ConsumerName, string> = {
  main: 'main-service applies it: a product change to its copy (an older version than it holds is ignored, a delete leaves a tombstone), a user change to its list of revoked tokens.',
  admin:
    'admin-service counts it once (a like: likes = likes + 1; an unlike: likes = likes - 1 for a counted like, a tombstone otherwise; applied_likes keeps a late redelivery from counting twice).',
};

export type AsyncApiDocument = Record<string, unknown> & {
  channels: Record<string, { address: string; messages: Record<string, unknown> } & Record<string, unknown>>;
  operations: Record<string, unknown>;
};

/**
 * The event contract as an AsyncAPI 3.0 document, generated from the executable one: the zod
 * schemas every publisher validates with before writing its outbox and every consumer validates
 * each delivery with, the publisher of each event (EVENT_SOURCE) and the topology both services
 * and provisioning declare (SUBSCRIPTIONS, topologyPlan). docs/asyncapi.yaml is this, rendered.
 */
export function asyncApiDocument(options: { deliveryLimit: number } = { deliveryLimit: 10 }): AsyncApiDocument {
  const topology = topologyFor('');
  const plan = topologyPlan(topology, { deliveryLimit: options.deliveryLimit });
  const types = Object.values(EventTypes);
  const ref = (type: EventType) => ({ $ref: `#/components/messages/${messageName(type)}` });
  const messagesOf = (list: EventType[]) => Object.fromEntries(list.map((type) => [messageName(type), ref(type)]));
  const publishedBy = (source: 'admin' | 'main') => types.filter((type) => EVENT_SOURCE[type] === source);
  const queueArguments = (name: string) => plan.queues.find((q) => q.name === name)?.arguments ?? {};

  const channels: AsyncApiDocument['channels'] = {};
  for (const source of ['admin', 'main'] as const) {
    const exchange = source === 'admin' ? topology.adminExchange : topology.mainExchange;
    channels[EXCHANGE_OF[source]] = {
      address: exchange,
      description: `Topic exchange owned by ${source}-service; the routing key is the event type.`,
      bindings: { amqp: { is: 'routingKey', exchange: { name: exchange, type: 'topic', durable: true, autoDelete: false } } },
      messages: messagesOf(publishedBy(source)),
    };
  }
  for (const consumer of ['main', 'admin'] as const) {
    const queue = consumer === 'main' ? topology.mainQueue : topology.adminQueue;
    const args = queueArguments(queue);
    channels[QUEUE_OF[consumer]] = {
      address: queue,
      description: `Quorum queue of ${consumer}-service, bound to ${SUBSCRIPTIONS[consumer].from === 'adminExchange' ? topology.adminExchange : topology.mainExchange} for ${SUBSCRIPTIONS[consumer].events.join(', ')}. Arguments: ${Object.entries(
        args,
      )
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(
          ', ',
        )} (x-delivery-limit is AMQP_DELIVERY_LIMIT). Dead letters land in ${consumer === 'main' ? topology.mainDeadLetterQueue : topology.adminDeadLetterQueue}.`,
      bindings: { amqp: { is: 'queue', queue: { name: queue, durable: true, exclusive: false, autoDelete: false } } },
      messages: messagesOf(SUBSCRIPTIONS[consumer].events),
    };
  }

  const operations: AsyncApiDocument['operations'] = {};
  for (const type of types) {
    const source = EVENT_SOURCE[type];
    operations[`publish${messageName(type).replace(/^\w/, (c) => c.toUpperCase())}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${EXCHANGE_OF[source]}` },
      summary: `${source}-service publishes ${type} from its outbox, with a publisher confirm, mandatory.`,
      bindings: { amqp: { deliveryMode: 2, mandatory: true } },
      messages: [{ $ref: `#/channels/${EXCHANGE_OF[source]}/messages/${messageName(type)}` }],
    };
  }
  for (const consumer of ['main', 'admin'] as const) {
    for (const type of SUBSCRIPTIONS[consumer].events) {
      operations[`${consumer}Receives${messageName(type).replace(/^\w/, (c) => c.toUpperCase())}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${QUEUE_OF[consumer]}` },
        summary: RECEIVERS[consumer],
        messages: [{ $ref: `#/channels/${QUEUE_OF[consumer]}/messages/${messageName(type)}` }],
      };
    }
  }

  const messages: Record<string, unknown> = {};
  for (const type of types) {
    messages[messageName(type)] = {
      name: type,
      title: type,
      summary: SUMMARIES[type],
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: {
          'x-dead-letter-reason': { type: 'string', description: 'Set only on dead letters our consumers refused (with the reason).' },
        },
      },
      bindings: { amqp: { messageType: type } },
      correlationId: { description: 'The event id, also the AMQP message_id and the inbox key.', location: '$message.payload#/id' },
      payload: z.toJSONSchema(EVENT_SCHEMAS[type], { target: 'draft-7', io: 'output' }),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Product catalogue events',
      version: '1.0.0',
      description:
        "The only way main-service and admin-service share state. Every message is JSON, persistent, published mandatory with publisher confirms from a transactional outbox, and carries the event id as AMQP message_id; a message the broker returns unroutable stays in the outbox and is published again later. Consumers validate every message against these schemas (packages/shared/src/contracts/events.ts is the executable copy this document is generated from), record the id in processed_events in the same transaction as the effect, and ack after commit. Messages that fail validation go to the consumer's dead-letter queue with an x-dead-letter-reason header; messages that keep failing are dead-lettered by the queue's delivery limit. Every name can be prefixed by AMQP_NAMESPACE.",
    },
    defaultContentType: 'application/json',
    servers: { local: { host: '127.0.0.1:5672', protocol: 'amqp', description: 'RabbitMQ (quorum queues).' } },
    channels,
    operations,
    components: { messages },
  };
}
