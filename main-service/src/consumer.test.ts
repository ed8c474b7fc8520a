import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateSchema } from '@catalogue/migrations';
import { createEvent, EventTypes, topologyFor } from '@catalogue/shared';
import { createTestDatabase, createTestNamespace, eventually, freePort, publishRaw, sampleValue, startProcess, type RunningProcess, type TestDatabase } from '@catalogue/shared/testing';

/** The consumer-only process (`node dist/consumer.js`): no API, but probes and metrics on OPS_PORT. */
let db: TestDatabase;
let ns: ReturnType<typeof createTestNamespace>;
let consumer: RunningProcess;
let ops: string;

before(async () => {
  db = await createTestDatabase('main');
  await migrateSchema('main', db.credentials);
  ns = createTestNamespace();
  const port = await freePort();
  ops = `http://127.0.0.1:${port}`;
  consumer = startProcess(join(__dirname, 'consumer.js'), { ...db.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', AMQP_NAMESPACE: ns.namespace, OPS_PORT: String(port) });
  await eventually(async () => (await fetch(`${ops}/api/health`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, what: `the consumer's readiness; output: ${consumer.output()}` });
});
after(async () => {
  await consumer.stop();
  await db.drop();
  await ns.cleanup();
});

describe("main's consumer process: ops server on OPS_PORT", () => {
  test('/ready answers 200 and /api/health reports the database and broker', async () => {
    assert.equal((await fetch(`${ops}/ready`)).status, 200);
    const health = await fetch(`${ops}/api/health`);
    assert.deepEqual(await health.json(), { status: 'ok', checks: { database: 'up', broker: 'up' } });
  });

  test('/metrics shows the events it consumed, labelled service="main"', async () => {
    const event = createEvent(EventTypes.ProductCreated, { id: 4242, title: 'From the consumer', image: 'https://img.example/4242.png', version: 1 });
    await publishRaw(topologyFor(ns.namespace).adminExchange, event.type, JSON.stringify(event), { messageId: event.id, type: event.type });
    const text = await eventually(async () => {
      const body = await (await fetch(`${ops}/metrics`)).text();
      return sampleValue(body, 'catalogue_events_consumed_total', { event_type: EventTypes.ProductCreated, service: 'main' }) === 1 ? body : undefined;
    }, { what: 'the consumed event in /metrics' });
    assert.match(text, /# TYPE catalogue_outbox_backlog_rows gauge/);
  });

  test('anything else is a 404 in the shared error shape, and SIGTERM exits 0', async () => {
    const res = await fetch(`${ops}/api/products`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'not_found');
    assert.equal(await consumer.stop('SIGTERM'), 0, consumer.output());
  });
});
