import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import { createTestNamespace, TEST_RABBITMQ_MANAGEMENT, TEST_RABBITMQ_URL, uniqueName } from '../testing';
import { managementApi, apiSegment } from './management-api';
import { passwordMatches, provisionBroker, removeBrokerUser, type ProvisionedUser } from './provision';
import { assertTopology, exchangeOf, queueOf, topologyFor, type ConsumerName } from './topology';

type BrokerUser = Required<Pick<ProvisionedUser, 'name' | 'password'>>;
const ns = createTestNamespace();
const topology = topologyFor(ns.namespace);
const users: Record<ConsumerName, BrokerUser> = {
  main: { name: uniqueName('tmain_'), password: uniqueName('pw-main-') },
  admin: { name: uniqueName('tadmin_'), password: uniqueName('pw-admin-') },
};
const provision = (overrides: Partial<Parameters<typeof provisionBroker>[0]> = {}) =>
  provisionBroker({ management: TEST_RABBITMQ_MANAGEMENT, namespace: ns.namespace, deliveryLimit: 10, users, ...overrides });
let secondRun: Awaited<ReturnType<typeof provisionBroker>>;

before(async () => {
  const first = await provision();
  assert.ok(first.some((step) => step.action === 'created'));
  secondRun = await provision();
});
after(async () => {
  await Promise.all([
    removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, users.main.name),
    removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, users.admin.name),
  ]);
  await ns.cleanup();
});

function urlFor(user: { name: string; password: string }): string {
  const url = new URL(TEST_RABBITMQ_URL);
  url.username = user.name;
  url.password = user.password;
  return url.toString();
}

/** Runs one operation on a fresh channel of the user's connection: 'ok', or the broker's refusal code. */
async function attempt(
  user: { name: string; password: string },
  operation: (channel: amqplib.ConfirmChannel) => Promise<unknown>,
): Promise<string> {
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
      assert.equal(
        await attempt(users[service], (ch) => ch.assertExchange(exchangeOf(topology, service), 'topic', { durable: true })),
        '403',
      );
      assert.equal(await attempt(users[service], (ch) => ch.deleteQueue(queueOf(topology, service))), '403');
      assert.equal(
        await attempt(users[service], (ch) => ch.bindQueue(queueOf(topology, service), exchangeOf(topology, other), '#')),
        '403',
      );
      assert.equal(await attempt(users[service], (ch) => ch.purgeQueue(queueOf(topology, other))), '403');
    });
  });
}

describe('provisioning over the management API', () => {
  test('a second run finds everything in place and changes nothing', () => {
    assert.ok(secondRun.length > 10);
    assert.deepEqual(
      secondRun.filter((step) => step.action !== 'unchanged'),
      [],
    );
  });

  test('declares what the services would declare themselves: their own AMQP declaration of the same plan is accepted as equivalent', async () => {
    const connection = await amqplib.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createConfirmChannel();
      await assertTopology(channel, topology, { deliveryLimit: 10 });
      await channel.close();
    } finally {
      await connection.close();
    }
  });

  test('refuses a queue that exists with other arguments, naming them, and changes nothing', async () => {
    await assert.rejects(provision({ deliveryLimit: 11 }), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`queue ${ns.namespace.replace('.', '\\.')}main exists with other settings \\(x-delivery-limit: 10 instead of 11\\)`),
      );
      return true;
    });
    const queue = await managementApi(TEST_RABBITMQ_MANAGEMENT).get<{ arguments: Record<string, unknown> }>(
      `/api/queues/%2F/${apiSegment(queueOf(topology, 'main'))}`,
    );
    assert.equal(queue?.arguments['x-delivery-limit'], 10);
  });

  test('never resets an existing password to a default or to nothing; an explicit new one replaces it', async () => {
    const name = uniqueName('tpw_');
    const other = { name: uniqueName('tother_'), password: uniqueName('pw-') };
    const api = managementApi(TEST_RABBITMQ_MANAGEMENT);
    const stored = async () => (await api.get<{ password_hash: string; hashing_algorithm: string }>(`/api/users/${apiSegment(name)}`))!;
    try {
      await provision({ users: { main: { name, password: 'first-password' }, admin: other } });
      for (const user of [{ name, password: 'main-broker-dev-password', passwordIsDefault: true }, { name }]) {
        const steps = await provision({ users: { main: user, admin: other } });
        assert.deepEqual(
          steps.find((s) => s.what === `broker user ${name}`),
          { what: `broker user ${name}`, action: 'unchanged' },
        );
        assert.ok(passwordMatches(await stored(), 'first-password'));
      }
      const steps = await provision({ users: { main: { name, password: 'second-password' }, admin: other } });
      assert.deepEqual(steps.find((s) => s.what === `broker user ${name}`)?.action, 'updated');
      assert.ok(passwordMatches(await stored(), 'second-password'));
      assert.equal(passwordMatches(await stored(), 'first-password'), false);
    } finally {
      await removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, name);
      await removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, other.name);
    }
  });

  test('a new user without a password is an error that names the user', async () => {
    const name = uniqueName('tnopw_');
    await assert.rejects(
      provision({ users: { main: { name }, admin: users.admin } }),
      new RegExp(`broker user ${name} does not exist and no password was given`),
    );
    assert.equal(await managementApi(TEST_RABBITMQ_MANAGEMENT).get(`/api/users/${apiSegment(name)}`), undefined);
  });

  test('an unreachable or refusing management API gives a clear error without the password', async () => {
    const secret = uniqueName('sentinel-');
    await assert.rejects(
      provision({ management: { url: 'http://127.0.0.1:9', username: 'x', password: secret, timeoutMs: 2000 } }),
      (err: Error) => {
        assert.match(err.message, /management API at http:\/\/127\.0\.0\.1:9 unreachable/);
        assert.ok(!err.message.includes(secret));
        return true;
      },
    );
    await assert.rejects(provision({ management: { ...TEST_RABBITMQ_MANAGEMENT, password: secret } }), (err: Error) => {
      assert.match(err.message, /failed: 401/);
      assert.ok(!err.message.includes(secret));
      return true;
    });
  });
});
