import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import request from 'supertest';
import { hashPassword } from '@catalogue/admin-service/dist/auth/passwords';
import { eventually, publishRaw, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

/** Secrets with values that cannot occur by chance: if any appears anywhere we captured, it leaked. */
const SENTINELS = {
  dbMain: 'SENTINEL-db-main-q7Zx41',
  dbAdmin: 'SENTINEL-db-admin-q7Zx41',
  brokerMain: 'SENTINEL-amqp-main-q7Zx41',
  brokerAdmin: 'SENTINEL-amqp-admin-q7Zx41',
  brokerOps: 'SENTINEL-amqp-ops-q7Zx41',
};
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const privateJwk = privateKey.export({ format: 'jwk' });
/** Pieces of the JWT private key: a slice of the PEM body and its private exponents. */
const keySentinels = [privatePem.split('\n')[5]!, String(privateJwk.d).slice(0, 40), String(privateJwk.p).slice(0, 40), String(privateJwk.q).slice(0, 40)];

const captured: { where: string; text: string }[] = [];
const capture = (where: string, text: string) => captured.push({ where, text });

let system: SystemUnderTest;
let stopped = false;
let spy: { connection: amqplib.ChannelModel; channel: amqplib.Channel };
const restore: (() => void)[] = [];

before(async () => {
  // Whatever reaches the process's stdout and stderr (console output of any library) is captured too.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      capture('stdio', String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  system = await startSystem({
    leastPrivilegeBroker: true,
    brokerPasswords: { main: SENTINELS.brokerMain, admin: SENTINELS.brokerAdmin },
    dbPasswords: { main: SENTINELS.dbMain, admin: SENTINELS.dbAdmin },
    // The operator's broker user with a password the broker refuses: replay fails, and must not say why in a way that leaks it.
    env: { admin: { JWT_PRIVATE_KEY: privatePem, OPS_RABBITMQ_URL: `amqp://guest:${SENTINELS.brokerOps}@127.0.0.1:5672` } },
    logDestination: { write: (line: string) => capture('log', line) },
  });
  // A spy on every exchange (as the broker administrator): every message either service publishes.
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, system.topology.adminExchange, '#');
  await channel.bindQueue(queue, system.topology.mainExchange, '#');
  for (const key of [system.topology.mainQueue, system.topology.adminQueue]) await channel.bindQueue(queue, system.topology.deadLetterExchange, key);
  await channel.consume(queue, (message) => message && capture('message', `${JSON.stringify(message.properties)} ${message.content.toString('utf8')}`), { noAck: true });
  spy = { connection, channel };
});
after(async () => {
  await spy?.connection.close();
  if (system && !stopped) await system.stop();
  for (const undo of restore) undo();
});

/** Records a response's status line, headers and body. */
function record(res: request.Response): request.Response {
  capture('response', `${res.status} ${JSON.stringify(res.headers)} ${res.text ?? ''}`);
  return res;
}

describe('secrets given as sentinel values', () => {
  test('a working day of both services: sign-in, writes, likes, errors, probes, a broker outage, a poison message, shutdown', async () => {
    const admin = () => request(system.admin.http);
    const main = () => request(system.main.app);
    await system.admin.dataSource.query("INSERT INTO users (email, name, password_hash, role) VALUES ('boss@example.test', 'Boss', ?, 'staff')", [await hashPassword('boss-password')]);

    const signIn = record(await admin().post('/api/auth/login').send({ email: 'boss@example.test', password: 'boss-password' }).expect(200));
    record(await admin().post('/api/auth/login').send({ email: 'boss@example.test', password: 'wrong' }).expect(401));
    const staff = `Bearer ${signIn.body.token}`;
    const created = record(await admin().post('/api/products').set('authorization', staff).send({ title: 'Sentinel lamp', image: 'https://img.example/s.png' }).expect(201));
    const id = created.body.id as number;
    record(await admin().put(`/api/products/${id}`).set('authorization', staff).send({ title: 'Sentinel lamp 2', image: 'https://img.example/s.png' }).expect(202));
    record(await admin().post('/api/products').set('authorization', staff).set('content-type', 'application/json').send('{"title":'));
    record(await admin().post('/api/products').set('authorization', staff).send({ title: 'x'.repeat(30_000) }));
    record(await admin().get('/api/products').set('authorization', 'Bearer forged.token.here'));
    record(await admin().get('/api/operations/dead-letters').set('authorization', staff).expect(503));
    record(await admin().post('/api/operations/dead-letters/replay').set('authorization', staff).send({ queue: 'main', all: true }).expect(503));
    for (const path of ['/api/health', '/readyz', '/livez', '/ready', '/.well-known/jwks.json', '/metrics', '/api/nothing']) {
      record(await admin().get(path));
      record(await main().get(path));
    }
    await eventually(async () => (await main().get(`/api/products/${id}`)).status === 200, { what: 'the product in main' });

    const customer = `Bearer ${await system.tokenFor('31', 'customer')}`;
    record(await main().post(`/api/products/${id}/like`).set('authorization', customer).expect(200));
    record(await main().post(`/api/products/${id}/like`).set('authorization', customer).expect(400));
    record(await main().post(`/api/products/${id}/like`).expect(401));

    // The broker goes away: reconnection attempts are logged (with the URL), likes still succeed.
    system.mainBrokerProxy.setMode('reset');
    await eventually(async () => record(await main().get('/api/health')).body.checks?.broker === 'down', { what: 'main to notice the broker is gone' });
    record(await main().post(`/api/products/${id}/like`).set('authorization', `Bearer ${await system.tokenFor('32', 'customer')}`).expect(200));
    await eventually(async () => captured.some((c) => c.where === 'log' && c.text.includes('RabbitMQ unreachable')), { what: 'a failed reconnection logged' });
    system.mainBrokerProxy.setMode('pass');
    await eventually(async () => (await admin().get(`/api/products/${id}`).set('authorization', staff)).body.likes === 2, { timeoutMs: 20_000, what: 'both likes counted' });

    await publishRaw(system.topology.mainExchange, 'product_liked', '{"not": "an event"}');
    await eventually(async () => captured.some((c) => c.where === 'message' && c.text.includes('x-dead-letter-reason')), { what: 'the dead letter' });
    record(await admin().delete(`/api/products/${id}`).set('authorization', staff).expect(204));
    await system.stop();
    stopped = true;

    assert.ok(captured.filter((c) => c.where === 'log').length > 20, 'logs were captured');
    assert.ok(captured.filter((c) => c.where === 'message').length >= 5, 'published messages were captured');
    assert.ok(captured.filter((c) => c.where === 'response').length > 20, 'responses were captured');
    for (const secret of [...Object.values(SENTINELS), ...keySentinels]) {
      const leaks = captured.filter((c) => c.text.includes(secret)).map((c) => `${c.where}: ${c.text.slice(0, 200)}`);
      assert.deepEqual(leaks, [], `a secret leaked (${secret.slice(0, 12)}...)`);
    }
  });
});
