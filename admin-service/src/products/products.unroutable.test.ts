import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import request from 'supertest';
import { EventTypes, parseEvent, topologyFor, type CatalogueEvent, type EventType } from '@catalogue/shared';
import { createTestNamespace, eventually, sampleValue, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';
import { aProduct, startAdmin, type AdminUnderTest } from '../test-support';

/**
 * The relay publishes `mandatory`: an event no queue is bound for comes back from the broker. Here
 * admin's exchange exists but nothing is bound to it except what each test binds, so a product
 * change can be made unroutable on purpose. The backoff is an hour, so a returned row stays parked
 * for the whole file unless a test says otherwise.
 */
const ns = createTestNamespace();
const topology = topologyFor(ns.namespace);
const probeQueue = `${ns.namespace}unroutable-probe`;
let admin: AdminUnderTest;
let connection: amqplib.ChannelModel;
let channel: amqplib.Channel;
/** Everything read from the probe queue so far. */
const received: CatalogueEvent[] = [];

before(async () => {
  connection = await amqplib.connect(TEST_RABBITMQ_URL);
  channel = await connection.createChannel();
  // Admin's exchange as provisioning would make it, with no queue bound yet.
  await channel.assertExchange(topology.adminExchange, 'topic', { durable: true });
  await channel.assertQueue(probeQueue, { durable: false, autoDelete: false });
  admin = await startAdmin(
    {
      AMQP_NAMESPACE: ns.namespace,
      AMQP_DECLARE_TOPOLOGY: 'false',
      RUN_CONSUMER: 'false',
      OUTBOX_RETRY_BASE_MS: '3600000',
      OUTBOX_RETRY_MAX_MS: '3600000',
    },
    { waitForConsumer: false },
  );
});
after(async () => {
  await admin?.stop();
  await channel?.deleteQueue(probeQueue);
  await connection?.close();
  await ns.cleanup();
});

async function bind(type: EventType): Promise<void> {
  await channel.bindQueue(probeQueue, topology.adminExchange, type);
}

/** Waits until the probe queue has delivered an event `found` picks. */
async function delivered(found: (event: CatalogueEvent) => boolean, what: string): Promise<CatalogueEvent> {
  return eventually(
    async () => {
      for (
        let message = await channel.get(probeQueue, { noAck: true });
        message;
        message = await channel.get(probeQueue, { noAck: true })
      ) {
        const parsed = parseEvent(JSON.parse(message.content.toString('utf8')));
        if (parsed.ok) received.push(parsed.event);
      }
      return received.find(found);
    },
    { timeoutMs: 15_000, what },
  );
}

async function outboxRow(eventType: EventType, productId: number): Promise<{ attempts: number; parked: number } | undefined> {
  const rows: { attempts: number; parked: number }[] = await admin.db.query(
    "SELECT attempts, next_attempt_at > CURRENT_TIMESTAMP(3) AS parked FROM outbox WHERE event_type = ? AND JSON_VALUE(payload, '$.data.id') = ?",
    [eventType, productId],
  );
  return rows[0] ? { attempts: Number(rows[0].attempts), parked: Number(rows[0].parked) } : undefined;
}

async function unroutableCount(eventType: EventType): Promise<number | undefined> {
  return sampleValue((await request(admin.http).get('/metrics').expect(200)).text, 'catalogue_events_unroutable_total', {
    event_type: eventType,
    service: 'admin',
  });
}

const isEvent = (type: EventType, id: number) => (event: CatalogueEvent) =>
  event.type === type && 'id' in event.data && event.data.id === id;

describe('outbox events the broker returns unroutable', () => {
  let changed: number;

  test('a change no queue is bound for keeps its outbox row and is counted, and the changes behind it are published without waiting for its retry', async () => {
    await bind(EventTypes.ProductCreated);
    changed = (await admin.api.post('/api/products').send(aProduct()).expect(201)).body.id as number;
    await delivered(isEvent(EventTypes.ProductCreated, changed), 'the routable product_created');

    // Nothing is bound for product_updated: the broker confirms it, but returns it first.
    await admin.api.put(`/api/products/${changed}`).send(aProduct()).expect(202);
    const parked = await eventually(
      async () => {
        const row = await outboxRow(EventTypes.ProductUpdated, changed);
        return row && row.attempts === 1 ? row : undefined;
      },
      { what: 'the returned product_updated parked in the outbox' },
    );
    assert.equal(parked.parked, 1, 'its next try is in the future');
    assert.equal(await unroutableCount(EventTypes.ProductUpdated), 1);

    // A change committed after it goes out at once, while the returned one waits for its backoff.
    const behind = (await admin.api.post('/api/products').send(aProduct()).expect(201)).body.id as number;
    await delivered(isEvent(EventTypes.ProductCreated, behind), 'the product_created behind the returned row');
    assert.deepEqual(await outboxRow(EventTypes.ProductUpdated, changed), { attempts: 1, parked: 1 }, 'still kept, not retried yet');
    assert.equal(received.filter(isEvent(EventTypes.ProductUpdated, changed)).length, 0, 'never delivered');
    assert.equal(await unroutableCount(EventTypes.ProductCreated), 0);
  });

  test('once a queue is bound for it, the returned change is delivered exactly once when its retry comes', async () => {
    await bind(EventTypes.ProductUpdated);
    // As if its hour of backoff had passed.
    await admin.db.query("UPDATE outbox SET next_attempt_at = CURRENT_TIMESTAMP(3) WHERE event_type = 'product_updated'");
    await delivered(isEvent(EventTypes.ProductUpdated, changed), 'the retried product_updated');
    await eventually(async () => (await outboxRow(EventTypes.ProductUpdated, changed)) === undefined, {
      what: 'its outbox row deleted after the confirm',
    });

    // Everything published after it has arrived too, so a second copy would be here by now.
    const marker = (await admin.api.post('/api/products').send(aProduct()).expect(201)).body.id as number;
    await delivered(isEvent(EventTypes.ProductCreated, marker), 'the marker');
    assert.equal(received.filter(isEvent(EventTypes.ProductUpdated, changed)).length, 1);
    assert.equal(await unroutableCount(EventTypes.ProductUpdated), 1, 'not returned again');
  });
});
