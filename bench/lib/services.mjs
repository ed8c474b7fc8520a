// Both services as the README runs them: the built dist entry files as child processes, in
// production mode, logging at warn, each on the bench's own database and broker namespace.
import { randomBytes } from 'node:crypto';
import { withServiceNodeOptions } from '@catalogue/shared/node-options';
import { TEST_DB } from '@catalogue/shared/testing';
import { freePort, waitForHttp } from './ports.mjs';
import path from 'node:path';
import { ROOT, startChild } from './processes.mjs';

const CLIENT_ADDRESS_SECRET = randomBytes(32).toString('base64url');

/** Settings the bench gives every service start beyond `npm start`'s (recorded in each report). */
export const BENCH_OVERRIDES = {
  // The load is a few clients from one address with many users: the per-user and per-address
  // limits (30 and 120 likes a minute, 120 admin writes) would answer 429s, not measure anything.
  LIKES_PER_MINUTE_PER_USER: '1000000',
  LIKES_PER_MINUTE_PER_ADDRESS: '1000000',
  WRITES_PER_MINUTE: '1000000',
  // Production requires it (main vouches for client addresses to admin with it); fresh per run.
  CLIENT_ADDRESS_SECRET: CLIENT_ADDRESS_SECRET,
  // Scenario 8's searches come from one address too (the list cache is off there, so each is a
  // search the per-address limit counts: at 120 a minute it answered 429s, not results).
  SEARCHES_PER_MINUTE_PER_ADDRESS: '1000000',
  // Scenario 9 opens its 1,000 live streams from one address too.
  LIVE_STREAMS_PER_ADDRESS: '100000',
  LIVE_STREAM_OPENS_PER_MINUTE_PER_ADDRESS: '1000000',
};
/** BENCH_SERVICE_ENV: extra service settings for experiments (recorded in each report). */
export const BENCH_SERVICE_ENV = process.env.BENCH_SERVICE_ENV ? JSON.parse(process.env.BENCH_SERVICE_ENV) : {};

/**
 * Starts admin then main (main's development fallback never runs in production, but admin first
 * keeps the order of `npm start`). `extraEnv` is added to both (tracing settings for scenario 6).
 */
export async function startServices({ schemas, namespace, brokerUrl, identity, extraEnv = {}, label = 'services' }) {
  const [adminPort, mainPort] = await Promise.all([freePort(), freePort()]);
  const common = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_USER: TEST_DB.user,
    DB_PASSWORD: TEST_DB.password,
    RABBITMQ_URL: brokerUrl,
    AMQP_NAMESPACE: namespace,
    ...BENCH_OVERRIDES,
    // For experiments only (e.g. '{"DB_POOL_SIZE":"20"}'); a recorded run leaves it unset.
    ...BENCH_SERVICE_ENV,
    ...extraEnv,
  };
  common.NODE_OPTIONS = withServiceNodeOptions(common.NODE_OPTIONS); // the images' V8 heap bounds (decision 0026)
  // BENCH_CPU_PROF=1 writes a V8 CPU profile of each service to bench-results/profiles on exit.
  const nodeArgs = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench-results', 'profiles')}`, `--cpu-prof-name=${label}-NAME.cpuprofile`]
    : [];
  const argsFor = (name) => nodeArgs.map((a) => a.replace('NAME', name));
  const admin = startChild(`${label}-admin`, 'admin-service/dist/main.js', {
    nodeArgs: argsFor('admin'),
    env: { ...common, PORT: String(adminPort), DB_NAME: schemas.admin.credentials.database, ...identity.adminEnv() },
  });
  const main = startChild(`${label}-main`, 'main-service/dist/main.js', {
    nodeArgs: argsFor('main'),
    env: {
      ...common,
      PORT: String(mainPort),
      DB_NAME: schemas.main.credentials.database,
      ADMIN_URL: `http://127.0.0.1:${adminPort}`,
      ...(await identity.mainEnv()),
    },
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const mainUrl = `http://127.0.0.1:${mainPort}`;
  try {
    // Health answers 200 only with the database and the broker both up.
    await Promise.all([
      waitForHttp(`${adminUrl}/api/health`, 60_000, admin.alive),
      waitForHttp(`${mainUrl}/api/health`, 60_000, main.alive),
    ]);
  } catch (err) {
    await Promise.all([main.stop(), admin.stop()]);
    throw new Error(`services did not start (see bench-results/logs/${label}-*.log): ${err.message}`, { cause: err });
  }
  return {
    main,
    admin,
    // What this start changed, for the report (never secrets: only the settings named here, and the
    // node flags each process really got).
    settings: {
      label,
      extraEnv: redact(extraEnv),
      // Read at the end, so whatever was added to the shared settings on the way (NODE_OPTIONS...) shows.
      env: redact(Object.fromEntries(Object.entries(common).filter(([k]) => !PER_RUN.has(k)))),
      brokerUrl: redactUrl(brokerUrl),
      nodeArgs: { main: nodeFlags(main.child.spawnargs), admin: nodeFlags(admin.child.spawnargs) },
    },
    mainUrl,
    adminUrl,
    async stop() {
      await main.stop();
      await admin.stop();
    },
  };
}

const SECRET = /SECRET|PASSWORD|TOKEN|PRIVATE|KEY/i;
/** Where the run's own databases, broker and ports are: not settings. */
const PER_RUN = new Set(['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASSWORD', 'RABBITMQ_URL', 'AMQP_NAMESPACE']);
export function redact(env) {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, SECRET.test(k) ? '<redacted>' : /^\w+:\/\//.test(v) ? redactUrl(v) : v]),
  );
}
function redactUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<not a URL>';
  }
}
/** The flags node got before the entry file (spawnargs: node, ...flags, entry, ...args). */
const nodeFlags = (spawnargs) =>
  spawnargs.slice(
    1,
    spawnargs.findIndex((a, i) => i > 0 && !a.startsWith('-')),
  );
