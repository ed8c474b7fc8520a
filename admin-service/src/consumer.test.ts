import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateSchema } from '@catalogue/migrations';
import { createEvent, EventTypes, topologyFor } from '@catalogue/shared';
import {
  createTestDatabase,
  createTestNamespace,
  eventually,
  fakeCollector,
  FaultProxy,
  freePort,
  publishRaw,
  sampleValue,
  startProcess,
  TEST_RABBITMQ_URL,
  waitForConsumer,
  type RunningProcess,
  type TestDatabase,
} from '@catalogue/shared/testing';

/** The consumer-only process (`node dist/consumer.js`): no API, but probes and metrics on OPS_PORT, and traces. */
let db: TestDatabase;
let ns: ReturnType<typeof createTestNamespace>;
let collector: Awaited<ReturnType<typeof fakeCollector>>;
let consumer: RunningProcess;
let ops: string;
/** A Secrets Manager endpoint that records every request: the consumer must never ask it for the signing key. */
let secretsManager: http.Server;
const secretRequests: string[] = [];
/** Between the consumer and the broker, so a test can cut it off. */
let brokerProxy: FaultProxy;

before(async () => {
  secretsManager = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      secretRequests.push(body);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
    });
  });
  await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
  db = await createTestDatabase('admin');
  await migrateSchema('admin', db.credentials);
  ns = createTestNamespace();
  collector = await fakeCollector();
  const broker = new URL(TEST_RABBITMQ_URL);
  brokerProxy = new FaultProxy(broker.hostname, Number(broker.port || 5672));
  broker.port = String(await brokerProxy.start());
  const port = await freePort();
  ops = `http://127.0.0.1:${port}`;
  consumer = startProcess(join(__dirname, 'consumer.js'), {
    ...db.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    AMQP_NAMESPACE: ns.namespace,
    RABBITMQ_URL: broker.toString(),
    OPS_PORT: String(port),
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
    // Were the consumer to load the token-signing key, it would ask here, and fail to start.
    JWT_PRIVATE_KEY_SECRET_ID: 'catalogue/admin-jwt',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret-key',
  });
  await eventually(async () => (await fetch(`${ops}/readyz`).catch(() => undefined))?.status === 200, {
    timeoutMs: 30_000,
    what: `the consumer's readiness; output: ${consumer.output()}`,
  });
  // Ready means connected; the queue may still be on its way. Publishing before it exists would drop the message.
  await waitForConsumer(topologyFor(ns.namespace).adminQueue, { timeoutMs: 30_000 });
});
after(async () => {
  await consumer.stop();
  await brokerProxy.stop();
  await collector.close();
  await new Promise<void>((resolve) => secretsManager.close(() => resolve()));
  await db.drop();
  await ns.cleanup();
});

describe("admin's consumer process: ops server on OPS_PORT, traces flushed on SIGTERM", () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';

  test('it never loads the token-signing key: it signs nothing, so a compromised consumer holds no key', () => {
    assert.deepEqual(secretRequests, [], 'no request to Secrets Manager for the key');
  });

  test('/livez, /readyz and /ready answer 200, and /api/health reports both dependencies as required', async () => {
    for (const path of ['/livez', '/readyz', '/ready']) assert.equal((await fetch(`${ops}${path}`)).status, 200, path);
    assert.deepEqual(await (await fetch(`${ops}/api/health`)).json(), {
      status: 'ok',
      checks: { database: 'up', broker: 'up' },
      required: ['database', 'broker'],
      draining: false,
    });
  });

  test('a like carrying a traceparent is consumed, counted in /metrics, and its span continues that trace', async () => {
    const like = createEvent(EventTypes.ProductLiked, { productId: 77, userId: 'u' });
    await publishRaw(topologyFor(ns.namespace).mainExchange, like.type, JSON.stringify(like), {
      messageId: like.id,
      type: like.type,
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    await eventually(
      async () => {
        const body = await (await fetch(`${ops}/metrics`)).text();
        return sampleValue(body, 'catalogue_events_consumed_total', { event_type: EventTypes.ProductLiked, service: 'admin' }) === 1;
      },
      { what: 'the consumed like in /metrics' },
    );
    assert.equal(collector.bodies.length, 0, 'spans wait in the batch until shutdown');
  });

  test('cut off from the broker it is not ready but still alive, and ready again once the broker is back', async () => {
    brokerProxy.setMode('reset');
    try {
      const answer = await eventually(
        async () => {
          const res = await fetch(`${ops}/readyz`);
          return res.status === 503 ? await res.json() : undefined;
        },
        { what: 'readiness to notice the broker is gone' },
      );
      assert.deepEqual(answer, { status: 'unavailable', failing: ['broker'] });
      assert.equal((await fetch(`${ops}/livez`)).status, 200);
    } finally {
      brokerProxy.setMode('pass');
    }
    await eventually(async () => (await fetch(`${ops}/readyz`)).status === 200, {
      timeoutMs: 30_000,
      what: `readiness back with the broker; output: ${consumer.output()}`,
    });
  });

  test('SIGTERM drains, flushes the buffered spans and exits 0', async () => {
    assert.equal(await consumer.stop('SIGTERM'), 0, consumer.output());
    const exported = JSON.stringify(collector.bodies);
    assert.match(exported, new RegExp(`"traceId":"${traceId}"`, 'i'));
    assert.match(exported, /"service\.name","value":\{"stringValue":"admin-service"\}/);
    assert.match(exported, /"name":"process [^"]*admin"/, 'the consumer span');
  });
});
