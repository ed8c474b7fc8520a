import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrateSchema } from '@catalogue/migrations';
import {
  blackHole,
  createTestDatabase,
  createTestNamespace,
  eventually,
  fakeCollector,
  freePort,
  openEventStream,
  startProcess,
  type RunningProcess,
  type TestDatabase,
} from '@catalogue/shared/testing';

/** main-service as its container runs it (`node dist/main.js`), tracing configured only by OTEL_* variables. */
let db: TestDatabase;
let ns: ReturnType<typeof createTestNamespace>;

before(async () => {
  db = await createTestDatabase('main');
  await migrateSchema('main', db.credentials);
  ns = createTestNamespace();
});
after(async () => {
  await db.drop();
  await ns.cleanup();
});

async function startMainProcess(env: Record<string, string>): Promise<{ process: RunningProcess; url: string }> {
  const port = await freePort();
  const running = startProcess(join(__dirname, 'main.js'), {
    ...db.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    AMQP_NAMESPACE: ns.namespace,
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/ready`).catch(() => undefined))?.ok, {
    timeoutMs: 30_000,
    what: `main-service on ${url}; output: ${running.output()}`,
  });
  return { process: running, url };
}

describe('tracing in the running main-service', () => {
  test('a collector that never answers neither fails nor slows requests, and shutdown still exits 0', async () => {
    const hole = await blackHole();
    try {
      const { process: main, url } = await startMainProcess({
        OTEL_EXPORTER_OTLP_ENDPOINT: hole.url,
        // Export at once and wait long for each export: if exporting blocked requests, they would hang.
        OTEL_BSP_SCHEDULE_DELAY: '20',
        OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      });
      for (let i = 0; i < 40; i++) {
        // Bounded far below the exporter's 60 s timeout: a request waiting on it would be cut off and fail.
        const res = await fetch(`${url}/api/products?limit=5`, { signal: AbortSignal.timeout(5000) });
        assert.equal(res.status, 200);
        const missing = await fetch(`${url}/api/products/999999${i}`, { signal: AbortSignal.timeout(5000) });
        assert.equal(missing.status, 404);
      }
      await eventually(async () => hole.connections() > 0, { what: 'the exporter to try the collector' });
      assert.equal(await main.stop('SIGTERM'), 0, main.output());
    } finally {
      await hole.close();
    }
  });

  test('spans still buffered at SIGTERM are flushed before the process exits', async () => {
    const collector = await fakeCollector();
    try {
      const { process: main, url } = await startMainProcess({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Nothing leaves on its own schedule: only the shutdown flush can deliver the span.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`${url}/api/products?limit=1`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      assert.equal(res.status, 200);
      assert.equal(collector.bodies.length, 0, 'nothing exported before shutdown');

      assert.equal(await main.stop('SIGTERM'), 0, main.output());
      const exported = JSON.stringify(collector.bodies);
      assert.match(exported, new RegExp(traceId, 'i'), "the request's span, continuing the caller's trace");
      assert.match(exported, /"service\.name","value":\{"stringValue":"main-service"\}/);
    } finally {
      await collector.close();
    }
  });

  test('sampling follows OTEL_TRACES_SAMPLER: with always_off nothing is exported, even at shutdown', async () => {
    const collector = await fakeCollector();
    try {
      const { process: main, url } = await startMainProcess({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        OTEL_TRACES_SAMPLER: 'always_off',
      });
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/api/products?limit=1`)).status, 200);
      assert.equal(await main.stop('SIGTERM'), 0, main.output());
      assert.doesNotMatch(JSON.stringify(collector.bodies), /"spanId"/);
    } finally {
      await collector.close();
    }
  });
});

describe('SIGTERM with live streams open', () => {
  test('ends every stream (telling it when to reconnect) before the process exits 0, instead of waiting on them', async () => {
    // A deadline far beyond the test's wait: a shutdown that waited on the streams would end in exit 1.
    const { process: main, url } = await startMainProcess({ SHUTDOWN_TIMEOUT_MS: '120000' });
    const streams = await Promise.all([openEventStream(`${url}/api/products/stream`), openEventStream(`${url}/api/products/stream`)]);
    for (const stream of streams) await stream.next((m) => m.event === 'ready', { what: 'ready' });
    let exitedAt = 0;
    void main.exited.then(() => (exitedAt = Date.now()));
    const endedAt = streams.map(() => 0);
    streams.forEach((stream, i) => void stream.ended.then(() => (endedAt[i] = Date.now())));

    main.child.kill('SIGTERM');
    await Promise.all(streams.map((s) => s.ended));
    assert.equal(await main.exited, 0, main.output());
    assert.ok(
      endedAt.every((at) => at > 0 && at <= exitedAt),
      'the streams ended before the process did',
    );
    for (const stream of streams)
      assert.ok(stream.parser.retryMs! >= 1000 && stream.parser.retryMs! <= 4000, `reconnect after ${stream.parser.retryMs} ms`);
  });
});

describe('shutdown behind a load balancer (SHUTDOWN_DRAIN_MS)', () => {
  test('readiness turns 503 at once while requests (and live streams) are still served during the drain; then it exits 0', async () => {
    const { process: main, url } = await startMainProcess({ SHUTDOWN_DRAIN_MS: '4000' });
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, {
      timeoutMs: 30_000,
      what: 'main ready before the signal',
    });
    const stream = await openEventStream(`${url}/api/products/stream`);
    await stream.next((m) => m.event === 'ready', { what: 'ready' });
    let streamEndedAt = 0;
    void stream.ended.then(() => (streamEndedAt = Date.now()));
    const started = Date.now();
    main.child.kill('SIGTERM');
    await eventually(async () => (await fetch(`${url}/readyz`)).status === 503, { what: 'readiness to turn 503' });
    assert.equal((await fetch(`${url}/api/products?limit=1`)).status, 200);
    assert.equal(await main.exited, 0, main.output());
    assert.ok(Date.now() - started >= 4000, 'the listener stayed open for the whole drain');
    // Ended only once the balancer has taken the replica out: its reconnect goes to another one.
    assert.ok(streamEndedAt - started >= 4000, `the live stream ended ${streamEndedAt - started} ms after the signal`);
  });
});
