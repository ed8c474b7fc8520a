// Measures what tracing costs a request: main-service (node dist/main.js) answering GET /api/products
// with tracing off, exporting to a collector that answers, and exporting to one that never answers.
// Run after `npm run build`: node scripts/bench-tracing.mjs [requests=3000] [concurrency=16]
import { migrateSchema } from '../migrations/dist/index.js';
import {
  blackHole,
  createTestDatabase,
  createTestNamespace,
  eventually,
  fakeCollector,
  freePort,
  startProcess,
} from '../packages/shared/dist/testing/index.js';

const total = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 16);

const db = await createTestDatabase('bench');
await migrateSchema('main', db.credentials);
const ns = createTestNamespace();
const collector = await fakeCollector();
const hole = await blackHole();

async function measure(label, otel) {
  const port = await freePort();
  const main = startProcess('main-service/dist/main.js', {
    ...db.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    AMQP_NAMESPACE: ns.namespace,
    ...otel,
  });
  const url = `http://127.0.0.1:${port}/api/products?limit=20`;
  await eventually(async () => (await fetch(url).catch(() => undefined))?.ok, { timeoutMs: 30_000 });
  for (let i = 0; i < 300; i++) await fetch(url).then((r) => r.arrayBuffer()); // warm-up
  const durations = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const t = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) failed++;
        durations.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  durations.sort((a, b) => a - b);
  const pct = (p) => durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))].toFixed(2);
  console.log(
    `${label.padEnd(34)} ${(total / seconds).toFixed(0).padStart(6)} req/s  p50 ${pct(50)} ms  p99 ${pct(99)} ms  failed ${failed}`,
  );
  await main.stop('SIGTERM');
}

try {
  await measure('tracing off (no endpoint)', {});
  await measure('tracing on, collector answering', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  await measure('tracing on, collector black-holed', { OTEL_EXPORTER_OTLP_ENDPOINT: hole.url, OTEL_EXPORTER_OTLP_TIMEOUT: '60000' });
} finally {
  await collector.close();
  await hole.close();
  await db.drop();
  await ns.cleanup();
}
