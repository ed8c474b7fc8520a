// The staleness bound of main's list cache across processes (`npm run bench:changes`): from a
// change's commit in one process (a rename applied as main's consumer applies it, or a batch of
// likes as a replica takes it) to the list cache cleared in another process, which tails the
// change feed as every API replica does. Prints p50/p90/p99/max per kind and overall.
//
//   BENCH_CHANGES=400           changes to commit (half renames, half likes)
//   PRODUCT_CHANGES_POLL_MS=100 the reader's poll interval (main's default)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { migrateSchema } from '@catalogue/migrations';
import { createDataSource, createLogger, createTransactionRunner, ServiceMetrics } from '@catalogue/shared';
import { createTestDatabase } from '@catalogue/shared/testing';
import { LikesRepository } from '@catalogue/main-service/dist/likes/likes.repository.js';
import { LikesService } from '@catalogue/main-service/dist/likes/likes.service.js';
import { ProductChanges } from '@catalogue/main-service/dist/products/product-changes.js';
import { ProductChangeMetrics } from '@catalogue/main-service/dist/products/product-changes.metrics.js';
import { ProductChangesRepository } from '@catalogue/main-service/dist/products/product-changes.repository.js';
import { ProductsRepository } from '@catalogue/main-service/dist/products/products.repository.js';
import { ProductsService } from '@catalogue/main-service/dist/products/products.service.js';

const now = () => performance.timeOrigin + performance.now();
const pollMs = Number(process.env.PRODUCT_CHANGES_POLL_MS ?? 100);

if (process.argv[2] === '--reader') await reader();
else await writer();

/** The other process: an API replica's feed reader and list cache, reporting when each change cleared it. */
async function reader() {
  const dataSource = createDataSource({ credentials: JSON.parse(process.env.BENCH_DB), poolSize: 2 });
  await dataSource.initialize();
  const feed = new ProductChangesRepository(dataSource);
  const products = new ProductsService(new ProductsRepository(dataSource), feed, 60_000);
  const metrics = new ServiceMetrics('main', { defaultMetrics: false });
  const changes = new ProductChanges(
    feed,
    { pollMs, retentionSeconds: 300 },
    new ProductChangeMetrics(metrics),
    createLogger({ service: 'bench-reader', level: 'warn' }),
  );
  changes.subscribe((batch) => {
    products.listChanged();
    const at = now();
    for (const change of batch) process.stdout.write(`${JSON.stringify({ productId: change.productId, kind: change.kind, at })}\n`);
  });
  await changes.start();
  process.stdout.write('ready\n');
  process.on('SIGTERM', async () => {
    await changes.stop();
    await dataSource.destroy();
    process.exit(0);
  });
}

async function writer() {
  const total = Number(process.env.BENCH_CHANGES ?? 400);
  const db = await createTestDatabase('bchanges');
  await migrateSchema('main', db.credentials);
  const dataSource = createDataSource({ credentials: db.credentials, poolSize: 4 });
  await dataSource.initialize();
  const ids = Array.from({ length: total }, (_, i) => i + 1);
  await dataSource.query('INSERT INTO products (id, title, image, version) VALUES ?', [
    ids.map((id) => [id, `Item ${id}`, `https://img.example/${id}.png`, 1]),
  ]);

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--reader'], {
    env: { ...process.env, BENCH_DB: JSON.stringify(db.credentials) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen = new Map();
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') return ready();
    const { productId, kind, at } = JSON.parse(line);
    seen.set(`${kind}:${productId}`, at);
  });
  await isReady;

  const feed = new ProductChangesRepository(dataSource);
  const products = new ProductsService(new ProductsRepository(dataSource), feed);
  const runInTransaction = createTransactionRunner(dataSource, { idempotent: true });
  const likes = new LikesService(
    new LikesRepository(dataSource),
    feed,
    runInTransaction,
    () => undefined,
    () => undefined,
  );
  const committed = new Map();
  for (const id of ids) {
    // Random spacing, so commits fall at every phase of the reader's poll.
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 30));
    if (id % 2 === 0) {
      await runInTransaction((tx) =>
        products.applySnapshot(tx, { id, title: `Renamed ${id}`, image: `https://img.example/${id}.png`, version: 2 }),
      );
      committed.set(`updated:${id}`, now());
    } else {
      await likes.like(id, `bench-user-${id}`, null);
      committed.set(`likes:${id}`, now());
    }
  }
  const deadline = Date.now() + 30_000;
  while (seen.size < committed.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await dataSource.destroy();
  await db.drop();

  const delays = { updated: [], likes: [] };
  for (const [key, at] of committed) {
    const clearedAt = seen.get(key);
    if (clearedAt !== undefined) delays[key.split(':')[0]].push(clearedAt - at);
  }
  const missing = committed.size - seen.size;
  const row = (name, values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
    return `${name.padEnd(22)} n=${String(sorted.length).padEnd(5)} p50 ${at(0.5).padStart(7)} ms  p90 ${at(0.9).padStart(7)} ms  p99 ${at(0.99).padStart(7)} ms  max ${sorted.at(-1).toFixed(1).padStart(7)} ms`;
  };
  console.log(`commit in one process -> list cache cleared in another (poll ${pollMs} ms)`);
  console.log(row('rename (consumer)', delays.updated));
  console.log(row('like batch (replica)', delays.likes));
  console.log(row('all', [...delays.updated, ...delays.likes]));
  if (missing > 0) console.log(`NOT DELIVERED within 30 s: ${missing}`);
  process.exit(missing > 0 ? 1 : 0);
}
