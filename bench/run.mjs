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
//
// `--rate <n>`: scenarios 1 (list) and 2 (likes) offer n requests a second open loop (latency from
// each request's due time, lib/open-loop.mjs) instead of their closed-loop capacity run, e.g.
// `npm run bench -- --rate 500 --scenario likes`. `--sweep` adds the sweep (capacity, then 25/50/75/90%
// of it open loop, for likes and the list; `--scenario sweep` runs it alone). `--strict`: exit 2 when
// a floor is missed. Exit 1 whenever a scenario failed to run (an exception), whatever the flags.
// BENCH_RSS_INTERVAL_MS (50), BENCH_OPEN_LOOP_SOCKETS (256), BENCH_SWEEP_SECONDS (BENCH_SECONDS),
// BENCH_SWEEP_SHARES ("0.25,0.5,0.75,0.9"), BENCH_IDLE_SETTLE_MS (2000: wait after a start before the
// idle RSS reading).
import { existsSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import amqplib from 'amqplib';
import { topologyFor } from '@catalogue/shared';
import { calibrateHttp, calibrateInsertCommit, calibratePublish } from './lib/calibration.mjs';
import { createNamespace, createSchemas, observerPool, RABBITMQ_URL, scalar, sharedServerPids } from './lib/infra.mjs';
import { LikeTraffic } from './lib/likes.mjs';
import { sleep } from './lib/ports.mjs';
import { CpuMeter, ROOT, rssMb, RssSampler } from './lib/processes.mjs';
import { cpuTables, sweepTable, table, verdictTable, writeJson } from './lib/report.mjs';
import { BENCH_OVERRIDES, BENCH_SERVICE_ENV, redact, startServices } from './lib/services.mjs';
import { rssChecks, RSS_IDLE_MB, scenarioChecks } from './lib/verdicts.mjs';
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
import { sweep } from './scenarios/sweep.mjs';

const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const SCENARIO_NAMES = {
  list: '1',
  likes: '2',
  hot: '3',
  'admin-writes': '4',
  propagation: '5',
  observability: '6',
  outage: '7',
  search: '8',
  streams: '9',
  'access-log': '10',
  'idle-propagation': '11',
  sweep: 'sweep',
};
const flagValue = (name) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const rate = flagValue('--rate') === undefined ? undefined : Number(flagValue('--rate'));
if (rate !== undefined && !(rate > 0)) throw new Error(`--rate needs a number of requests a second above 0, not "${flagValue('--rate')}"`);
const config = {
  seconds: num('BENCH_SECONDS', 12),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 3),
  connections: num('BENCH_CONNECTIONS', 32),
  outageSeconds: num('BENCH_OUTAGE_SECONDS', 15),
  users: num('BENCH_USERS', 40_000),
  only: selected(),
  /** --rate: open loop at this many requests a second for scenarios 1 and 2. */
  rate,
  sweep: process.argv.includes('--sweep'),
  strict: process.argv.includes('--strict'),
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
  // Opt-in (--sweep or --scenario sweep); before 8, which changes the catalogue.
  ['sweep', 'sweep', 'sweep: p50/p99 at 25-90% of capacity (open loop)', sweep],
  // Last: it adds 10,000 products to main's copy, which would change every scenario after it.
  ['8', 'search', '8. search, 10,000 products (cache off)', search],
];
/** Scenarios whose figures are ratios to a run of their own, not to the calibration. */
const SELF_CALIBRATED = new Set(['9', '10', '11', 'sweep', ...(config.rate ? ['1', '2'] : [])]);
/** Runs only when asked for by name or with its flag. */
const OPT_IN = new Set(['sweep']);
const runs = (id) => (config.only ? config.only.has(id) : !OPT_IN.has(id) || (id === 'sweep' && config.sweep));

/** BENCH_ONLY, or `--scenario` (ids or names), as a set of scenario ids. */
function selected() {
  const flag = process.argv.indexOf('--scenario');
  const list = flag >= 0 ? process.argv[flag + 1] : process.env.BENCH_ONLY;
  if (!list) return undefined;
  const ids = list.split(',').map((name) => {
    const known = SCENARIO_NAMES[name.trim()] ?? name.trim();
    if (!/^\d+$/.test(known) && known !== 'sweep')
      throw new Error(`unknown scenario "${name}": use a number 1-11 or one of ${Object.keys(SCENARIO_NAMES).join(', ')}`);
    return known;
  });
  if (process.argv.includes('--sweep')) ids.push('sweep');
  return new Set(ids);
}

const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function productBody() {
  return Array.from({ length: PRODUCTS }, (_, i) => ({
    id: i + 1,
    title: `Product ${i + 1}`,
    image: `https://img.example/products/${i + 1}.png`,
    likes: 0,
  }));
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
  log(
    `settings: ${JSON.stringify({ ...config, only: config.only ? [...config.only] : 'all' })}; ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const schemas = await createSchemas();
  const ns = createNamespace();
  const identity = createIdentity();
  const sampler = new RssSampler();
  const cpu = new CpuMeter();
  const db = { main: observerPool(schemas.main), admin: observerPool(schemas.admin) };
  const report = {
    startedAt,
    config: { ...config, only: config.only ? [...config.only] : null },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverageAtStart: os.loadavg() },
    // Everything that made the services differ from `npm start`: the bench's fixed overrides,
    // BENCH_SERVICE_ENV, and per start its label, extra settings and node flags (serviceStarts).
    serviceSettings: { benchOverrides: redact(BENCH_OVERRIDES), benchServiceEnv: redact(BENCH_SERVICE_ENV) },
    serviceStarts: [],
    calibration: {},
    scenarios: {},
  };
  const shared = await sharedServerPids(db.main);
  for (const [name, pid] of Object.entries(shared.pids)) cpu.watch(name, pid);
  for (const [name, reason] of Object.entries(shared.missing)) log(`CPU of ${name} not measured: ${reason}`);
  cpu.watch('bench', process.pid);
  report.cpuProcesses = { ...shared.pids, bench: process.pid, notMeasured: shared.missing };
  /** The phases (RSS, CPU, likes) of the scenario that is running; attached to its result. */
  let scenarioPhases = [];
  /** Phase ends still settling (see phaseStart). */
  let phaseEnds = [];
  /** The service starts a scenario ran on (labels into report.serviceStarts). */
  let scenarioStarts = [];
  let currentStart;
  const mainLikes = () => scalar(db.main, 'SELECT COUNT(*) FROM likes');
  const adminLikesApplied = () => scalar(db.admin, "SELECT COUNT(*) FROM processed_events WHERE event_type = 'product_liked'");
  const settleMs = num('BENCH_IDLE_SETTLE_MS', 2000);

  /**
   * A measured phase: RSS (peak and at the start), CPU seconds of every process, and the likes it
   * made (main's likes table). With `drain`, the phase also waits (up to 15 s) for admin to apply
   * every like, so the CPU per like includes the relay, the broker and admin's consumer.
   */
  async function beginPhase(name, { perLike = true } = {}) {
    const before = await mainLikes().catch(() => null);
    const endRss = sampler.begin(name);
    const endCpu = cpu.begin();
    return async ({ drain = false, generatorCpuSeconds } = {}) => {
      let drained = null;
      let pendingAtEnd = null;
      const likesAfter = await mainLikes().catch(() => null);
      if (drain) {
        const deadline = performance.now() + 15_000;
        let applied = await adminLikesApplied().catch(() => 0);
        while (applied < likesAfter && performance.now() < deadline) {
          await sleep(20);
          applied = await adminLikesApplied().catch(() => 0);
        }
        drained = applied >= likesAfter;
        pendingAtEnd = Math.max(0, likesAfter - applied);
      }
      const rss = endRss();
      const usage = endCpu();
      if (generatorCpuSeconds !== undefined) usage.seconds.generator = Math.round(generatorCpuSeconds * 100) / 100;
      const likes = !perLike || before === null || likesAfter === null ? 0 : likesAfter - before;
      const msOf = (cpuSeconds) => Math.round((cpuSeconds * 1000 * 1000) / likes) / 1000;
      const msPerLike = likes > 0 ? Object.fromEntries(Object.entries(usage.seconds).map(([k, v]) => [k, msOf(v)])) : undefined;
      if (msPerLike) msPerLike.all = msOf(Object.values(usage.seconds).reduce((sum, v) => sum + v, 0));
      const phase = {
        phase: name,
        ...usage,
        likes,
        msPerLike,
        drained,
        pendingAtEnd,
        rssAtStartMb: roundAll(sampler.phaseStarts[name]),
        rssPeakMb: roundAll(rss),
        rssPeakExact: sampler.exactPeak[name],
      };
      scenarioPhases.push(phase);
      return rss;
    };
  }

  const ctx = {
    config,
    db,
    schemas,
    brokerUrl: RABBITMQ_URL,
    calibration: report.calibration,
    results: report.scenarios,
    services: undefined,
    log,
    async phase(name, fn, { drain = false } = {}) {
      const end = await beginPhase(name);
      const result = await fn();
      return { ...result, rssMb: await end({ drain, generatorCpuSeconds: result?.generatorCpuSeconds }) };
    },
    /**
     * A phase ended by the caller: returns (at once) a function that ends it and resolves to its
     * peak RSS. `perLike: false` when the phase's CPU is not for the likes it makes (scenario 7's
     * drain works off a backlog).
     */
    phaseStart(name, options) {
      const started = beginPhase(name, options);
      return (endOptions) => {
        const ended = started.then((end) => end(endOptions));
        // A scenario may end a phase without awaiting it: the verdicts wait for it.
        phaseEnds.push(ended);
        return ended;
      };
    },
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
      cpu.watch('main', services.main.pid);
      cpu.watch('admin', services.admin.pid);
      ctx.services = services;
      // Idle memory: started, healthy, nothing asked of them yet.
      await sleep(settleMs);
      const idleRssMb = roundAll({ main: rssMb(services.main.pid), admin: rssMb(services.admin.pid) });
      const start = {
        ...services.settings,
        idleRssMb,
        checks: rssChecks(idleRssMb, RSS_IDLE_MB, `idle RSS ${settleMs / 1000} s after start`),
      };
      report.serviceStarts.push(start);
      currentStart = report.serviceStarts.length - 1;
      scenarioStarts.push(currentStart);
      log(`services "${label}" up; idle RSS main ${idleRssMb.main} MB, admin ${idleRssMb.admin} MB`);
      return services;
    },
    async stopServices() {
      if (!ctx.services) return;
      const services = ctx.services;
      ctx.services = undefined;
      sampler.unwatch('main');
      sampler.unwatch('admin');
      cpu.unwatch('main');
      cpu.unwatch('admin');
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
    if (listed !== JSON.stringify(body))
      log(`note: main's list body (${listed.length} B) differs from the calibration body (${JSON.stringify(body).length} B)`);

    // Calibration right before the scenarios it anchors (HTTP before the list, the database and the
    // broker before the likes), with the services idle: on a shared machine the load drifts within
    // minutes, and a ratio is only as good as the closeness of its two runs.
    const httpSettings = { body, connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds, sampler };
    const calibrate = !config.only || [...config.only].some((id) => !SELF_CALIBRATED.has(id));
    for (const [key, kind] of calibrate
      ? [
          ['bareHttp', 'bare-http'],
          ['express', 'express-hello'],
          ['nest', 'nest-hello'],
        ]
      : []) {
      log(`calibration: ${kind}`);
      report.calibration[key] = { calibration: true, ...(await calibrateHttp(kind, httpSettings)) };
    }
    ctx.calibrateHttpAgain = (kind) => calibrateHttp(kind, httpSettings);
    ctx.calibrateInsertCommitAgain = () =>
      calibrateInsertCommit({
        database: schemas.calibration,
        concurrency: config.connections,
        seconds: config.seconds,
        warmupSeconds: config.warmupSeconds,
      });
    const calibrateStorage = async () => {
      log('calibration: raw insert-commit (mysql2)');
      report.calibration.insertCommit = {
        calibration: true,
        ...(await calibrateInsertCommit({
          database: schemas.calibration,
          concurrency: config.connections,
          seconds: config.seconds,
          warmupSeconds: config.warmupSeconds,
        })),
      };
      log('calibration: raw confirmed publish (amqplib)');
      report.calibration.publish = {
        calibration: true,
        ...(await calibratePublish({ brokerUrl: RABBITMQ_URL, namespace: ns.namespace, seconds: Math.min(config.seconds, 8) })),
      };
    };

    for (const [id, key, label, run] of SCENARIOS) {
      if (!runs(id)) continue;
      if ((id === '2' && !config.rate) || (!report.calibration.insertCommit && ['3', '4', '5', '6', '7'].includes(id)))
        await calibrateStorage();
      log(`scenario ${label}`);
      scenarioPhases = [];
      phaseEnds = [];
      scenarioStarts = ctx.services ? [currentStart] : [];
      try {
        if (!ctx.services) await ctx.startServices();
        const result = await run(ctx);
        await Promise.all(phaseEnds);
        // Every criterion on its own line: the scenario's own, then peak RSS under load per service.
        // A scenario that kept no `rssMb` of its own is judged on its phases' peaks.
        const rssMb = result.rssMb ?? peaksOf(scenarioPhases);
        const verdicts = [...scenarioChecks(result), ...rssChecks(rssMb)];
        report.scenarios[key] = { label, ...result, rssMb, verdicts, phases: scenarioPhases, serviceStarts: [...new Set(scenarioStarts)] };
      } catch (err) {
        log(`scenario ${label} failed: ${err.stack ?? err}`);
        report.scenarios[key] = { label, skipped: `failed: ${err.message}`, failedToRun: true, phases: scenarioPhases };
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
  if (report.calibration.publish)
    console.log(
      `publish confirm latency one at a time: p50 ${report.calibration.publish.singleConfirmP50Ms} ms, p99 ${report.calibration.publish.singleConfirmP99Ms} ms`,
    );
  const ran = SCENARIOS.filter(([, key]) => report.scenarios[key]).map(([, key]) => report.scenarios[key]);
  const verdictGroups = [
    ...ran.map((r) => [r.label, r.failedToRun ? [{ criterion: 'ran to the end', measured: r.skipped, pass: false }] : r.verdicts]),
    ...report.serviceStarts.map((start) => [`services "${start.label}"`, start.checks]),
  ];
  report.verdictTable = verdictTable(verdictGroups);
  const phases = ran.flatMap((r) => r.phases ?? []);
  const cpuReport = cpuTables(phases);
  const sweeps = ran.filter((r) => r.sweep);
  report.table = markdown;
  report.failedToRun = ran.filter((r) => r.failedToRun).map((r) => r.label);
  report.missed = verdictGroups.flatMap(([label, checks]) => checks.filter((c) => c.pass !== true).map((c) => `${label}: ${c.criterion}`));
  report.loadAverageAtEnd = os.loadavg();
  const file = writeJson(report);
  console.log(`\n${markdown}\n`);
  console.log(`Verdicts, one criterion a line:\n\n${report.verdictTable}\n`);
  for (const r of sweeps) console.log(`Sweep (open loop, latency from each request's due time):\n\n${sweepTable(r.sweep)}\n`);
  console.log(
    `CPU seconds per process and phase (/proc/<pid>/stat; MariaDB and RabbitMQ are shared with other sessions), and each service's RSS at the phase's start → its peak:\n\n${cpuReport.seconds}\n`,
  );
  if (cpuReport.perLike) console.log(`CPU milliseconds per like:\n\n${cpuReport.perLike}\n`);
  console.log(
    `Settings that changed the services (beyond NODE_ENV=production, LOG_LEVEL=warn, the bench's own databases and broker namespace):`,
  );
  console.log(`  every start: ${JSON.stringify(report.serviceSettings.benchOverrides)}`);
  console.log(
    `  BENCH_SERVICE_ENV: ${Object.keys(BENCH_SERVICE_ENV).length ? JSON.stringify(report.serviceSettings.benchServiceEnv) : 'unset'}`,
  );
  // Per start: every shared setting that differs from NODE_ENV=production, LOG_LEVEL=warn and the
  // fixed overrides (its own extra settings, BENCH_SERVICE_ENV, anything else such as NODE_OPTIONS).
  const base = { NODE_ENV: 'production', LOG_LEVEL: 'warn', ...report.serviceSettings.benchOverrides };
  for (const start of report.serviceStarts) {
    const changed = Object.fromEntries(Object.entries(start.env).filter(([k, v]) => base[k] !== v));
    const flags = [...new Set([...start.nodeArgs.main, ...start.nodeArgs.admin])];
    console.log(
      `  start "${start.label}": ${Object.keys(changed).length ? JSON.stringify(changed) : 'no other settings'}${flags.length ? `; node flags ${flags.join(' ')}` : ''}; broker ${start.brokerUrl}; idle RSS main ${start.idleRssMb.main} / admin ${start.idleRssMb.admin} MB`,
    );
  }
  console.log('');
  for (const [, key] of SCENARIOS) {
    const extra = report.scenarios[key]?.extra;
    if (extra) console.log(`${key}: ${JSON.stringify(extra)}`);
  }
  console.log(
    `\npeak RSS (MB): ${JSON.stringify(Object.fromEntries(Object.entries(sampler.overall).map(([k, v]) => [k, Math.round(v)])))}`,
  );
  console.log(
    `load average at start ${report.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${report.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log(`wrote ${path.relative(ROOT, file)} in ${report.durationSeconds} s`);
  if (report.failedToRun.length > 0) {
    console.log(`FAILED TO RUN: ${report.failedToRun.join('; ')}`);
    process.exitCode = 1;
  } else if (report.missed.length > 0) {
    console.log(
      `${report.missed.length} criteria missed or not measured${config.strict ? ' (--strict: exit 2)' : ' (a verdict, not a failure: exit 0; --strict exits 2)'}`,
    );
    if (config.strict) process.exitCode = 2;
  }
}

function peaksOf(phases) {
  const peaks = {};
  for (const phase of phases) for (const [name, mb] of Object.entries(phase.rssPeakMb ?? {})) peaks[name] = Math.max(peaks[name] ?? 0, mb);
  return Object.keys(peaks).length ? peaks : undefined;
}

function roundAll(values) {
  return Object.fromEntries(
    Object.entries(values ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, Math.round(v * 10) / 10]),
  );
}

main().catch((err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
