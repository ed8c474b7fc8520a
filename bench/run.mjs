// `npm run bench`: calibration, then scenarios 1-11 (1-7 of issue 6, 8 search, 9 live streams, 10 the
// access log, 11 propagation at idle) against both services started as the
// README starts them. Prints a table and writes bench-results/*.json. Never part of `npm test`.
//
// Settings (environment of the bench itself): BENCH_SECONDS (timed part of each run, default 12),
// BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (32), BENCH_OUTAGE_SECONDS (15), BENCH_ONLY (e.g.
// "1,2,5": run only those scenarios; the calibration they are compared with always runs),
// BENCH_CPU_PROF=1 (V8 CPU profiles of both services in bench-results/profiles; summarise them with
// `node bench/profile-summary.mjs <file>`), BENCH_SERVICE_ENV (JSON of extra service settings, for
// experiments only), BENCH_STREAMS (scenario 9's open streams, default 1000), BENCH_IDLE_SAMPLES
// (scenario 11's operations per path, default 60).
//
// `--scenario <id or name>[,...]` does what BENCH_ONLY does, by number or name: `npm run bench --
// --scenario streams` runs scenario 9 alone. Scenarios that compare only with themselves (9, 10, 11) skip
// the calibration when they run alone.
import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import amqplib from 'amqplib';
import { topologyFor } from '@catalogue/shared';
import { calibrateHttp, calibrateInsertCommit, calibratePublish } from './lib/calibration.mjs';
import { createNamespace, createSchemas, observerPool, RABBITMQ_URL, scalar } from './lib/infra.mjs';
import { LikeTraffic } from './lib/likes.mjs';
import { sleep } from './lib/ports.mjs';
import { ROOT, RssSampler } from './lib/processes.mjs';
import { table, writeJson } from './lib/report.mjs';
import { startServices } from './lib/services.mjs';
import { createIdentity } from './lib/tokens.mjs';
import { productList } from './scenarios/1-product-list.mjs';
import { likes } from './scenarios/2-likes.mjs';
import { hotProduct } from './scenarios/3-hot-product.mjs';
import { adminWrites } from './scenarios/4-admin-writes.mjs';
import { propagation } from './scenarios/5-propagation.mjs';
import { observabilityTax } from './scenarios/6-observability-tax.mjs';
import { brokerOutage } from './scenarios/7-broker-outage.mjs';
import { search } from './scenarios/8-search.mjs';
import { streams } from './scenarios/9-streams.mjs';
import { accessLogTax } from './scenarios/10-access-log.mjs';
import { idlePropagation } from './scenarios/11-idle-propagation.mjs';

const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SCENARIO_NAMES = { list: '1', likes: '2', hot: '3', 'admin-writes': '4', propagation: '5', observability: '6', outage: '7', search: '8', streams: '9', 'access-log': '10', 'idle-propagation': '11' };
const config = {
  seconds: num('BENCH_SECONDS', 12),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 3),
  connections: num('BENCH_CONNECTIONS', 32),
  outageSeconds: num('BENCH_OUTAGE_SECONDS', 15),
  users: num('BENCH_USERS', 40_000),
  only: selected(),
};
const PRODUCTS = 100;

const SCENARIOS = [
  ['1', 'list', '1. product list (100)', productList],
  ['2', 'likes', '2. likes, many users × products', likes],
  ['4', 'adminWrites', '4. admin creates + updates', adminWrites],
  ['5', 'propagation', '5. propagation at ½ like capacity', propagation],
  ['3', 'hot', '3. likes on one hot product', hotProduct],
  ['6', 'observability', '6. likes, tracing 10% vs off (metrics on in both)', observabilityTax],
  ['7', 'outage', '7. likes, broker cut 15 s', brokerOutage],
  ['9', 'streams', '9. likes with 1,000 live streams open', streams],
  ['10', 'accessLog', '10. product list, access log on vs off', accessLogTax],
  // After every scenario that reads the seeded list: it creates products of its own.
  ['11', 'idlePropagation', '11. propagation at idle, one operation at a time', idlePropagation],
  // Last: it adds 10,000 products to main's copy, which would change every scenario after it.
  ['8', 'search', '8. search, 10,000 products (cache off)', search],
];
/** Scenarios whose figures are ratios to a run of their own, not to the calibration. */
const SELF_CALIBRATED = new Set(['9', '10', '11']);

/** BENCH_ONLY, or `--scenario` (ids or names), as a set of scenario ids. */
function selected() {
  const flag = process.argv.indexOf('--scenario');
  const list = flag >= 0 ? process.argv[flag + 1] : process.env.BENCH_ONLY;
  if (!list) return undefined;
  const ids = list.split(',').map((name) => {
    const known = SCENARIO_NAMES[name.trim()] ?? name.trim();
    if (!/^\d+$/.test(known)) throw new Error(`unknown scenario "${name}": use a number 1-9 or one of ${Object.keys(SCENARIO_NAMES).join(', ')}`);
    return known;
  });
  return new Set(ids);
}

const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function productBody() {
  return Array.from({ length: PRODUCTS }, (_, i) => ({ id: i + 1, title: `Product ${i + 1}`, image: `https://img.example/products/${i + 1}.png`, likes: 0 }));
}

async function seedProducts(adminUrl, body, staffToken) {
  for (const product of [...body, { title: 'Hot product', image: 'https://img.example/products/hot.png' }]) {
    const res = await fetch(`${adminUrl}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
      body: JSON.stringify({ title: product.title, image: product.image }),
    });
    const created = await res.json();
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(created)}`);
    if (product.id !== undefined && created.id !== product.id) throw new Error(`seeded id ${created.id}, expected ${product.id}`);
  }
  return PRODUCTS + 1;
}

async function main() {
  for (const entry of ['main-service/dist/main.js', 'admin-service/dist/main.js', 'packages/shared/dist/testing/index.js']) {
    if (!existsSync(path.join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (npm run bench does)`);
  }
  const startedAt = new Date().toISOString();
  const wall = performance.now();
  log(`settings: ${JSON.stringify({ ...config, only: config.only ? [...config.only] : 'all' })}; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const schemas = await createSchemas();
  const ns = createNamespace();
  const identity = createIdentity();
  const sampler = new RssSampler();
  const db = { main: observerPool(schemas.main), admin: observerPool(schemas.admin) };
  const report = { startedAt, config: { ...config, only: config.only ? [...config.only] : null }, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, calibration: {}, scenarios: {} };

  const ctx = {
    config,
    db,
    schemas,
    brokerUrl: RABBITMQ_URL,
    calibration: report.calibration,
    results: report.scenarios,
    services: undefined,
    log,
    async phase(name, fn) {
      const end = sampler.begin(name);
      const result = await fn();
      return { ...result, rssMb: end() };
    },
    phaseStart: (name) => sampler.begin(name),
    /** Messages waiting in one of the run's queues (e.g. 'adminQueue'), read with a passive declare. */
    async queueDepth(name) {
      const connection = await amqplib.connect(RABBITMQ_URL);
      try {
        const channel = await connection.createChannel();
        const { messageCount } = await channel.checkQueue(topologyFor(ns.namespace)[name]);
        return messageCount;
      } finally {
        await connection.close();
      }
    },
    async startServices({ label = 'services', extraEnv = {}, brokerUrl = RABBITMQ_URL } = {}) {
      const services = await startServices({ schemas, namespace: ns.namespace, brokerUrl, identity, extraEnv, label });
      sampler.watch('main', services.main.pid);
      sampler.watch('admin', services.admin.pid);
      ctx.services = services;
      return services;
    },
    async stopServices() {
      if (!ctx.services) return;
      const services = ctx.services;
      ctx.services = undefined;
      sampler.unwatch('main');
      sampler.unwatch('admin');
      await services.stop();
    },
  };

  try {
    log(`minting ${config.users} tokens`);
    ctx.traffic = new LikeTraffic(await identity.tokensFor(Array.from({ length: config.users }, (_, i) => `bench-user-${i}`)));

    const body = productBody();
    log('starting services');
    await ctx.startServices();
    ctx.staffToken = await identity.staffToken();
    const seeded = await seedProducts(ctx.services.adminUrl, body, ctx.staffToken);
    ctx.productIds = body.map((p) => p.id);
    ctx.hotProductId = PRODUCTS + 1;
    const seedDeadline = Date.now() + 30_000;
    while ((await scalar(db.main, 'SELECT COUNT(*) FROM products')) < seeded) {
      if (Date.now() > seedDeadline) throw new Error('main never received the seeded products');
      await sleep(50);
    }
    const listed = await fetch(`${ctx.services.mainUrl}/api/products?limit=100`).then((r) => r.text());
    report.bodyBytes = { calibration: JSON.stringify(body).length, mainList: listed.length };
    if (listed !== JSON.stringify(body)) log(`note: main's list body (${listed.length} B) differs from the calibration body (${JSON.stringify(body).length} B)`);

    // Calibration right before the scenarios it anchors (HTTP before the list, the database and the
    // broker before the likes), with the services idle: on a shared machine the load drifts within
    // minutes, and a ratio is only as good as the closeness of its two runs.
    const httpSettings = { body, connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds, sampler };
    const calibrate = !config.only || [...config.only].some((id) => !SELF_CALIBRATED.has(id));
    for (const [key, kind] of calibrate ? [['bareHttp', 'bare-http'], ['express', 'express-hello'], ['nest', 'nest-hello']] : []) {
      log(`calibration: ${kind}`);
      report.calibration[key] = { calibration: true, ...(await calibrateHttp(kind, httpSettings)) };
    }
    ctx.calibrateHttpAgain = (kind) => calibrateHttp(kind, httpSettings);
    ctx.calibrateInsertCommitAgain = () =>
      calibrateInsertCommit({ database: schemas.calibration, concurrency: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds });
    const calibrateStorage = async () => {
      log('calibration: raw insert-commit (mysql2)');
      report.calibration.insertCommit = { calibration: true, ...(await calibrateInsertCommit({ database: schemas.calibration, concurrency: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds })) };
      log('calibration: raw confirmed publish (amqplib)');
      report.calibration.publish = { calibration: true, ...(await calibratePublish({ brokerUrl: RABBITMQ_URL, namespace: ns.namespace, seconds: Math.min(config.seconds, 8) })) };
    };

    for (const [id, key, label, run] of SCENARIOS) {
      if (config.only && !config.only.has(id)) continue;
      if (id === '2' || (!report.calibration.insertCommit && ['3', '4', '5', '6', '7'].includes(id))) await calibrateStorage();
      log(`scenario ${label}`);
      try {
        if (!ctx.services) await ctx.startServices();
        report.scenarios[key] = { label, ...(await run(ctx)) };
      } catch (err) {
        log(`scenario ${label} failed: ${err.stack ?? err}`);
        report.scenarios[key] = { label, skipped: `failed: ${err.message}` };
        await ctx.stopServices().catch(() => undefined);
      }
    }
    if (calibrate && !report.calibration.insertCommit) await calibrateStorage();
  } finally {
    await ctx.stopServices().catch(() => undefined);
    sampler.stop();
    await Promise.allSettled([db.main.end(), db.admin.end()]);
    await schemas.drop();
    await ns.cleanup().catch((err) => log(`namespace cleanup: ${err.message}`));
  }

  report.peakRssMb = sampler.overall;
  report.durationSeconds = Math.round((performance.now() - wall) / 1000);
  const rows = [
    ['calibration: node:http', report.calibration.bareHttp],
    ['calibration: Express hello', report.calibration.express],
    ['calibration: NestJS hello', report.calibration.nest],
    ['calibration: insert-commit (tx/s)', report.calibration.insertCommit],
    ['calibration: confirmed publish (msg/s)', report.calibration.publish],
    ...SCENARIOS.filter(([, key]) => report.scenarios[key]).map(([, key]) => [report.scenarios[key].label, report.scenarios[key]]),
  ].filter(([, r]) => r);
  const markdown = table(rows);
  if (report.calibration.publish) console.log(`publish confirm latency one at a time: p50 ${report.calibration.publish.singleConfirmP50Ms} ms, p99 ${report.calibration.publish.singleConfirmP99Ms} ms`);
  report.table = markdown;
  const file = writeJson(report);
  console.log(`\n${markdown}\n`);
  for (const [, key] of SCENARIOS) {
    const extra = report.scenarios[key]?.extra;
    if (extra) console.log(`${key}: ${JSON.stringify(extra)}`);
  }
  console.log(`\npeak RSS (MB): ${JSON.stringify(Object.fromEntries(Object.entries(sampler.overall).map(([k, v]) => [k, Math.round(v)])))}`);
  console.log(`wrote ${path.relative(ROOT, file)} in ${report.durationSeconds} s`);
}

main().catch((err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
