import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import { createTestNamespace, TEST_RABBITMQ_URL, uniqueName } from '../testing';
import { provisionBroker, removeBrokerUser, type BrokerUser } from './provision';
import { exchangeOf, queueOf, topologyFor, type ConsumerName } from './topology';

const ns = createTestNamespace();
const topology = topologyFor(ns.namespace);
const users: Record<ConsumerName, BrokerUser> = {
  main: { name: uniqueName('tmain_'), password: uniqueName('pw-main-') },
  admin: { name: uniqueName('tadmin_'), password: uniqueName('pw-admin-') },
};

before(async () => {
  await provisionBroker({ adminUrl: TEST_RABBITMQ_URL, namespace: ns.namespace, deliveryLimit: 10, users });
  // Running it again changes nothing and does not fail.
  await provisionBroker({ adminUrl: TEST_RABBITMQ_URL, namespace: ns.namespace, deliveryLimit: 10, users });
});
after(async () => {
  await Promise.all([removeBrokerUser(users.main.name), removeBrokerUser(users.admin.name)]);
  await ns.cleanup();
});

function urlFor(user: BrokerUser): string {
  const url = new URL(TEST_RABBITMQ_URL);
  url.username = user.name;
  url.password = user.password;
  return url.toString();
}

/** Runs one operation on a fresh channel of the user's connection: 'ok', or the broker's refusal code. */
async function attempt(user: BrokerUser, operation: (channel: amqplib.ConfirmChannel) => Promise<unknown>): Promise<string> {
  const connection = await amqplib.connect(urlFor(user));
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createConfirmChannel();
    let closedWith: string | undefined;
    channel.on('error', (err: Error & { code?: number }) => {
      closedWith = String(err.code ?? err.message);
    });
    try {
      await operation(channel);
      await channel.close();
      return closedWith ?? 'ok';
    } catch (err) {
      return closedWith ?? String((err as { code?: number }).code ?? (err as Error).message);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

const publish = (exchange: string, routingKey: string) => async (channel: amqplib.ConfirmChannel) => {
  channel.publish(exchange, routingKey, Buffer.from('{}'));
  await channel.waitForConfirms();
};

for (const service of ['main', 'admin'] as const) {
  const other: ConsumerName = service === 'main' ? 'admin' : 'main';
  describe(`the ${service} broker user`, () => {
    test('publishes to its own exchange and the dead-letter exchange, and consumes its own queue', async () => {
      assert.equal(await attempt(users[service], publish(exchangeOf(topology, service), 'anything')), 'ok');
      assert.equal(await attempt(users[service], publish(topology.deadLetterExchange, queueOf(topology, service))), 'ok');
      assert.equal(await attempt(users[service], (ch) => ch.consume(queueOf(topology, service), () => undefined)), 'ok');
    });

    test(`may not publish to ${other}'s exchange or straight to a queue`, async () => {
      assert.equal(await attempt(users[service], publish(exchangeOf(topology, other), 'product_liked')), '403');
      assert.equal(await attempt(users[service], publish('', queueOf(topology, other))), '403');
    });

    test(`may not consume ${other}'s queue or a dead-letter queue`, async () => {
      assert.equal(await attempt(users[service], (ch) => ch.consume(queueOf(topology, other), () => undefined)), '403');
      assert.equal(await attempt(users[service], (ch) => ch.get(`${ns.namespace}${service}.dead-letter`)), '403');
    });

    test('may not declare, delete, bind or purge anything', async () => {
      assert.equal(await attempt(users[service], (ch) => ch.assertQueue(`${ns.namespace}intruder`)), '403');
      assert.equal(await attempt(users[service], (ch) => ch.assertExchange(exchangeOf(topology, service), 'topic', { durable: true })), '403');
      assert.equal(await attempt(users[service], (ch) => ch.deleteQueue(queueOf(topology, service))), '403');
      assert.equal(await attempt(users[service], (ch) => ch.bindQueue(queueOf(topology, service), exchangeOf(topology, other), '#')), '403');
      assert.equal(await attempt(users[service], (ch) => ch.purgeQueue(queueOf(topology, other))), '403');
    });
  });
}
