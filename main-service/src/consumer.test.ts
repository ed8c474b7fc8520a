import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateSchema } from '@catalogue/migrations';
import { createEvent, EventTypes, topologyFor } from '@catalogue/shared';
import {
  createTestDatabase,
  createTestNamespace,
  eventually,
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

/** The consumer-only process (`node dist/consumer.js`): no API, but probes and metrics on OPS_PORT. */
let db: TestDatabase;
let ns: ReturnType<typeof createTestNamespace>;
let consumer: RunningProcess;
let ops: string;
/** Between the consumer and the broker, so a test can cut it off. */
let brokerProxy: FaultProxy;

before(async () => {
  db = await createTestDatabase('main');
  await migrateSchema('main', db.credentials);
  ns = createTestNamespace();
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
  });
  await eventually(async () => (await fetch(`${ops}/readyz`).catch(() => undefined))?.status === 200, {
    timeoutMs: 30_000,
    what: `the consumer's readiness; output: ${consumer.output()}`,
  });
  // Ready means connected; the queue may still be on its way. Publishing before it exists would drop the message.
  await waitForConsumer(topologyFor(ns.namespace).mainQueue, { timeoutMs: 30_000 });
});
after(async () => {
  await consumer.stop();
  await brokerProxy.stop();
  await db.drop();
  await ns.cleanup();
});

describe("main's consumer process: ops server on OPS_PORT", () => {
  test('/livez and /readyz answer 200 ok, /ready still answers, and /api/health reports both dependencies as required', async () => {
    for (const path of ['/livez', '/readyz', '/ready']) {
      const res = await fetch(`${ops}${path}`);
      assert.equal(res.status, 200, path);
      assert.deepEqual(await res.json(), { status: 'ok' });
    }
    const health = await fetch(`${ops}/api/health`);
    assert.deepEqual(await health.json(), {
      status: 'ok',
      checks: { database: 'up', broker: 'up' },
      required: ['database', 'broker'],
      draining: false,
    });
  });

  test('/metrics shows the events it consumed, labelled service="main"', async () => {
    const event = createEvent(EventTypes.ProductCreated, {
      id: 4242,
      title: 'From the consumer',
      image: 'https://img.example/4242.png',
      version: 1,
    });
    await publishRaw(topologyFor(ns.namespace).adminExchange, event.type, JSON.stringify(event), { messageId: event.id, type: event.type });
    const text = await eventually(
      async () => {
        const body = await (await fetch(`${ops}/metrics`)).text();
        return sampleValue(body, 'catalogue_events_consumed_total', { event_type: EventTypes.ProductCreated, service: 'main' }) === 1
          ? body
          : undefined;
      },
      { what: 'the consumed event in /metrics' },
    );
    assert.match(text, /# TYPE catalogue_outbox_backlog_rows gauge/);
  });

  test("cut off from the broker it is not ready (its only job is the broker's) but still alive, and ready again once the broker is back", async () => {
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
      const health = await fetch(`${ops}/api/health`);
      assert.equal(health.status, 503);
      assert.deepEqual(((await health.json()) as { checks: unknown }).checks, { database: 'up', broker: 'down' });
      assert.equal((await fetch(`${ops}/livez`)).status, 200);
    } finally {
      brokerProxy.setMode('pass');
    }
    await eventually(async () => (await fetch(`${ops}/readyz`)).status === 200, {
      timeoutMs: 30_000,
      what: `readiness back with the broker; output: ${consumer.output()}`,
    });
  });

  test('anything else is a 404 in the shared error shape, and SIGTERM exits 0', async () => {
    const res = await fetch(`${ops}/api/products`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'not_found');
    assert.equal(await consumer.stop('SIGTERM'), 0, consumer.output());
  });
});
