import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import mysql from 'mysql2/promise';
import { migrateSchema } from '@catalogue/migrations';
import {
  createTestDatabase,
  createTestNamespace,
  eventually,
  freePort,
  openEventStream,
  parseExposition,
  PrivateRedis,
  startProcess,
  type OpenedStream,
  type RunningProcess,
  type TestDatabase,
} from '@catalogue/shared/testing';
import { PrivateHaproxy } from '../support/haproxy';
import { callFrom as call, type Answer } from '../support/http';

/**
 * The shape the deployment files ship, as real processes: two main API replicas (consumer off),
 * main's consumer in a process of its own, two admin replicas, both services behind HAProxy, and
 * rate limits counted in a Redis of the test's own. Each client below sends from its own loopback
 * address (127.0.0.x), which HAProxy passes on in X-Forwarded-For.
 */
const LIMITS = { likesPerUser: 4, likesPerAddress: 6, loginPerAddress: 4, loginPerEmail: 3, loginDelayAfter: 3, writes: 5 };
/** main signs the client addresses it forwards with sign-ins; admin checks them. */
const CLIENT_ADDRESS_SECRET = `replicas-${randomUUID()}`;
const MAIN_DIST = join(require.resolve('@catalogue/main-service/dist/main.js'), '..');
const ADMIN_DIST = join(require.resolve('@catalogue/admin-service/dist/main.js'), '..');

let redis: PrivateRedis;
let lb: PrivateHaproxy;
let impatientLb: PrivateHaproxy;
const streams: OpenedStream[] = [];
let mainDb: TestDatabase;
let adminDb: TestDatabase;
let ns: ReturnType<typeof createTestNamespace>;
let privateKey: KeyObject;
let kid: string;
const processes: RunningProcess[] = [];
const mainReplicas: string[] = [];
const adminReplicas: string[] = [];
let mainSql: mysql.Connection;

const tokenFor = (subject: string, role: 'staff' | 'customer') =>
  new SignJWT({ role })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setSubject(subject)
    .setIssuer('catalogue-admin')
    .setAudience('catalogue')
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .setJti(randomUUID())
    .sign(privateKey);

async function start(entry: string, env: Record<string, string>, probe: string): Promise<void> {
  const running = startProcess(entry, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    AMQP_NAMESPACE: ns.namespace,
    REDIS_URL: redis.url,
    TRUST_PROXY_HOPS: '1',
    ...env,
  });
  processes.push(running);
  await eventually(async () => (await fetch(probe).catch(() => undefined))?.ok, {
    timeoutMs: 60_000,
    what: `${entry} ready at ${probe}; output: ${running.output()}`,
  });
}

before(async () => {
  redis = new PrivateRedis();
  await redis.start();
  [mainDb, adminDb] = await Promise.all([createTestDatabase('main'), createTestDatabase('admin')]);
  await Promise.all([migrateSchema('main', mainDb.credentials), migrateSchema('admin', adminDb.credentials)]);
  ns = createTestNamespace();
  mainSql = await mysql.createConnection({ ...mainDb.credentials });

  // One signing key for both admin replicas (a token from one is good on the other and on main).
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  const { n, e, kty } = pair.publicKey.export({ format: 'jwk' });
  kid = await calculateJwkThumbprint({ kty: kty!, n: n!, e: e! });
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();

  const adminPorts = [await freePort(), await freePort()];
  await Promise.all(
    adminPorts.map((port) =>
      start(
        join(ADMIN_DIST, 'main.js'),
        {
          ...adminDb.env,
          PORT: String(port),
          JWT_PRIVATE_KEY: privatePem,
          LOGIN_FAILURES_PER_ADDRESS: String(LIMITS.loginPerAddress),
          LOGIN_FAILURES_PER_EMAIL: String(LIMITS.loginPerEmail),
          LOGIN_DELAY_AFTER_FAILURES: String(LIMITS.loginDelayAfter),
          LOGIN_DELAY_MAX_MS: '300',
          CLIENT_ADDRESS_SECRET,
          WRITES_PER_MINUTE: String(LIMITS.writes),
          OUTBOX_SWEEP_MS: '200',
        },
        `http://127.0.0.1:${port}/ready`,
      ),
    ),
  );
  adminReplicas.push(...adminPorts.map((port) => `http://127.0.0.1:${port}`));

  const mainEnv = {
    ...mainDb.env,
    JWT_PUBLIC_KEY: publicPem,
    // Straight to one admin replica, as main reaches admin's Service in Kubernetes (not through the ingress).
    ADMIN_URL: adminReplicas[0]!,
    CLIENT_ADDRESS_SECRET,
    RESYNC_ON_EMPTY: 'false',
    LIKES_PER_MINUTE_PER_USER: String(LIMITS.likesPerUser),
    LIKES_PER_MINUTE_PER_ADDRESS: String(LIMITS.likesPerAddress),
    OUTBOX_SWEEP_MS: '200',
  };
  const opsPort = await freePort();
  await start(join(MAIN_DIST, 'consumer.js'), { ...mainEnv, OPS_PORT: String(opsPort) }, `http://127.0.0.1:${opsPort}/ready`);
  const mainPorts = [await freePort(), await freePort()];
  await Promise.all(
    mainPorts.map((port) =>
      // The cache lives a minute: whatever a test sees change sooner, the change feed delivered.
      // Heartbeats every second: a stream through the short-timeout balancer below stays open on them alone.
      start(
        join(MAIN_DIST, 'main.js'),
        { ...mainEnv, PORT: String(port), RUN_CONSUMER: 'false', PRODUCT_LIST_CACHE_MS: '60000', LIVE_HEARTBEAT_SECONDS: '1' },
        `http://127.0.0.1:${port}/ready`,
      ),
    ),
  );
  mainReplicas.push(...mainPorts.map((port) => `http://127.0.0.1:${port}`));

  lb = new PrivateHaproxy([
    { name: 'main', servers: mainPorts },
    { name: 'admin', servers: adminPorts },
  ]);
  // Idle timeouts far below main's 15 s default heartbeat, above the 1 s these replicas send.
  impatientLb = new PrivateHaproxy([{ name: 'main', servers: mainPorts }], { idleTimeout: '3s' });
  await Promise.all([lb.start(), impatientLb.start()]);
});

after(async () => {
  for (const stream of streams) stream.close();
  await impatientLb?.stop();
  await lb?.stop();
  await Promise.all(processes.map((p) => p.stop()));
  await mainSql?.end();
  await redis?.destroy();
  await Promise.all([mainDb?.drop(), adminDb?.drop()]);
  await ns?.cleanup();
});

let nextProductId = 5000;
/** Products in main's copy, written as main's consumer writes them (with their feed rows), so the replicas' caches hear of them. */
async function mainProducts(count: number): Promise<number[]> {
  const ids = Array.from({ length: count }, () => nextProductId++);
  await mainSql.beginTransaction();
  await mainSql.query('INSERT INTO products (id, title, image, version) VALUES ?', [
    ids.map((id) => [id, `Item ${id}`, `https://img.example/${id}.png`, 1]),
  ]);
  await mainSql.query('INSERT INTO product_changes (product_id, kind) VALUES ?', [ids.map((id) => [id, 'created'])]);
  await mainSql.commit();
  return ids;
}

interface Listed {
  id: number;
  title: string;
  likes: number;
}
const listOn = async (replica: string): Promise<Listed[]> => {
  const res = await call(`${replica}/api/products?limit=500`);
  assert.equal(res.status, 200);
  return res.body as Listed[];
};

/** POST requests each replica has answered so far (health checks are GETs). */
async function postsServed(replicas: string[]): Promise<number[]> {
  return Promise.all(
    replicas.map(async (replica) => {
      const text = await (await fetch(`${replica}/metrics`)).text();
      return parseExposition(text)
        .filter((s) => s.name === 'catalogue_http_server_requests_total' && s.labels.method === 'POST')
        .reduce((sum, s) => sum + s.value, 0);
    }),
  );
}

/** The sum of a metric's samples over the replicas. */
async function metricTotal(replicas: string[], name: string): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    const text = await (await fetch(`${replica}/metrics`)).text();
    total += parseExposition(text)
      .filter((s) => s.name === name)
      .reduce((sum, s) => sum + s.value, 0);
  }
  return total;
}

const storeErrors = (replicas: string[]) => metricTotal(replicas, 'catalogue_rate_limit_store_errors_total');

/** Sends `requests` one after the other; returns the statuses, and checks both replicas answered some. */
async function throughBalancer(replicas: string[], requests: (() => Promise<Answer>)[]): Promise<number[]> {
  const before = await postsServed(replicas);
  const statuses: number[] = [];
  for (const send of requests) statuses.push((await send()).status);
  const after = await postsServed(replicas);
  assert.ok(
    after.every((count, i) => count > before[i]!),
    `both replicas answered some of them (before ${before.join(', ')}, after ${after.join(', ')})`,
  );
  return statuses;
}

const accepted = (statuses: number[], ok: number) => statuses.filter((s) => s === ok).length;

describe('two replicas of each service, consumers apart, behind HAProxy', () => {
  test('a product renamed in admin stops showing its old title on every main replica (their caches cleared by the change feed)', async (t) => {
    const staff = await tokenFor('1', 'staff');
    const from = '127.0.0.21';
    const created = await call(`${lb.url('admin')}/api/products`, {
      method: 'POST',
      token: staff,
      from,
      body: { title: `Lamp ${randomUUID()}`, image: 'https://img.example/lamp.png' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id, title: oldTitle } = created.body as { id: number; title: string };
    // Both replicas now hold a cached page showing the old title.
    for (const replica of mainReplicas) {
      await eventually(async () => (await listOn(replica)).some((p) => p.id === id && p.title === oldTitle), {
        timeoutMs: 30_000,
        what: `the new product on ${replica}`,
      });
    }

    const newTitle = `Lantern ${randomUUID()}`;
    const renamed = await call(`${lb.url('admin')}/api/products/${id}`, {
      method: 'PUT',
      token: staff,
      from,
      body: { title: newTitle, image: 'https://img.example/lamp.png' },
    });
    assert.equal(renamed.status, 202, JSON.stringify(renamed.body));
    const renamedAt = Date.now();

    const shownAt: number[] = [];
    for (const replica of mainReplicas) {
      await eventually(
        async () => {
          const product = (await listOn(replica)).find((p) => p.id === id);
          return product?.title === newTitle;
        },
        { timeoutMs: 30_000, intervalMs: 20, what: `the new title on ${replica}` },
      );
      shownAt.push(Date.now());
      assert.ok(!(await listOn(replica)).some((p) => p.title === oldTitle), 'the old title is gone');
    }
    // The moment main's consumer (its own process) committed the rename, from the feed row it wrote.
    const [rows] = await mainSql.query("SELECT changed_at FROM product_changes WHERE product_id = ? AND kind = 'updated'", [id]);
    const committedAt = (rows as { changed_at: Date }[])[0]!.changed_at.getTime();
    const stale = shownAt.map((at) => at - committedAt);
    t.diagnostic(
      `rename answered by admin -> new title on both replicas: ${Math.max(...shownAt) - renamedAt} ms; main's commit -> shown: ${stale.join(' ms, ')} ms`,
    );
    // Generous against the measured bound (p99 about a poll interval), and far below the cache's 60 s.
    for (const ms of stale) assert.ok(ms < 5000, `stale for ${ms} ms after main's commit`);
  });

  test('a like through replica A changes the count seen through replica B', async (t) => {
    const [id] = await mainProducts(1);
    const [replicaA, replicaB] = mainReplicas as [string, string];
    await eventually(async () => (await listOn(replicaB)).find((p) => p.id === id)?.likes === 0, {
      what: 'the product cached on B with no likes',
    });
    const liked = await call(`${replicaA}/api/products/${id}/like`, {
      method: 'POST',
      token: await tokenFor(`cross-${randomUUID()}`, 'customer'),
      from: '127.0.0.22',
    });
    assert.equal(liked.status, 200, JSON.stringify(liked.body));
    const likedAt = Date.now();
    await eventually(async () => (await listOn(replicaB)).find((p) => p.id === id)?.likes === 1, {
      intervalMs: 20,
      what: 'the like counted on B',
    });
    t.diagnostic(`like answered by A -> count on B: ${Date.now() - likedAt} ms`);
  });
});

describe('the live stream across replicas', () => {
  const openStream = async (url: string) => {
    const stream = await openEventStream(`${url}/api/products/stream`);
    streams.push(stream);
    assert.equal(stream.status, 200);
    await stream.next((m) => m.event === 'ready', { what: `ready from ${url}` });
    return stream;
  };
  const likesOf = (id: number) => (m: { event: string; data: string }) =>
    m.event === 'product_likes' && (JSON.parse(m.data) as { id: number }).id === id;

  test('a like taken by replica A reaches a stream open on replica B', async (t) => {
    const [id] = await mainProducts(1);
    const [replicaA, replicaB] = mainReplicas as [string, string];
    const stream = await openStream(replicaB);
    const liked = await call(`${replicaA}/api/products/${id}/like`, {
      method: 'POST',
      token: await tokenFor(`streamed-${randomUUID()}`, 'customer'),
      from: '127.0.0.23',
    });
    assert.equal(liked.status, 200, JSON.stringify(liked.body));
    const likedAt = Date.now();
    const message = await stream.next(likesOf(id!), { what: "the like on B's stream" });
    t.diagnostic(`like answered by A -> message on B's stream: ${message.receivedAt - likedAt} ms`);
    assert.deepEqual(JSON.parse(message.data), { id, likes: 1 });
    stream.close();
  });

  test("through a balancer whose idle timeouts are 3 s, a stream stays open on main's heartbeats and still delivers", async () => {
    const [id] = await mainProducts(1);
    const stream = await openStream(impatientLb.url('main'));
    const comments = stream.parser.comments;
    // Three idle timeouts' worth of silence but for the heartbeats.
    await eventually(async () => stream.parser.comments >= comments + 9, { timeoutMs: 30_000, what: 'nine heartbeats' });
    assert.equal(stream.isEnded(), false, 'HAProxy kept the stream');
    const liked = await call(`${lb.url('main')}/api/products/${id}/like`, {
      method: 'POST',
      token: await tokenFor(`patient-${randomUUID()}`, 'customer'),
      from: '127.0.0.24',
    });
    assert.equal(liked.status, 200);
    await stream.next(likesOf(id!), { what: 'the like through the balancer' });
    stream.close();
  });
});

describe('rate limits held in total across the replicas, counted in Redis', () => {
  test('likes per user: of six through the balancer, exactly four are accepted', async () => {
    const ids = await mainProducts(6);
    const token = await tokenFor(`limited-${randomUUID()}`, 'customer');
    const statuses = await throughBalancer(
      mainReplicas,
      ids.map((id) => () => call(`${lb.url('main')}/api/products/${id}/like`, { method: 'POST', token, from: '127.0.0.31' })),
    );
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  });

  test('likes per client address: of eight from one address (eight users), exactly six are accepted', async () => {
    const [id] = await mainProducts(1);
    const tokens = await Promise.all(Array.from({ length: 8 }, () => tokenFor(`address-${randomUUID()}`, 'customer')));
    const statuses = await throughBalancer(
      mainReplicas,
      tokens.map((token) => () => call(`${lb.url('main')}/api/products/${id}/like`, { method: 'POST', token, from: '127.0.0.32' })),
    );
    assert.equal(accepted(statuses, 200), LIMITS.likesPerAddress, String(statuses));
    assert.deepEqual(statuses.slice(-2), [429, 429]);
  });

  test('failed sign-ins per client address: of six, four are answered 401, the rest 429', async () => {
    const statuses = await throughBalancer(
      adminReplicas,
      Array.from(
        { length: 6 },
        (_, i) => () =>
          call(`${lb.url('admin')}/api/auth/login`, {
            method: 'POST',
            from: '127.0.0.33',
            body: { email: `nobody-${i}@example.com`, password: 'wrong-password' },
          }),
      ),
    );
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
  });

  test('failed sign-ins for one email from one address: three are answered 401, the rest 429', async () => {
    const email = `target-${randomUUID()}@example.com`;
    const statuses = await throughBalancer(
      adminReplicas,
      Array.from(
        { length: 5 },
        () => () =>
          call(`${lb.url('admin')}/api/auth/login`, { method: 'POST', from: '127.0.0.40', body: { email, password: 'wrong-password' } }),
      ),
    );
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  });

  test('failed sign-ins for one email from five addresses are never refused (its owner elsewhere can still sign in); those after three are delayed', async () => {
    const email = `target-${randomUUID()}@example.com`;
    const delaysBefore = await metricTotal(adminReplicas, 'catalogue_sign_in_delay_seconds_count');
    const statuses = await throughBalancer(
      adminReplicas,
      Array.from(
        { length: 5 },
        (_, i) => () =>
          call(`${lb.url('admin')}/api/auth/login`, {
            method: 'POST',
            from: `127.0.0.${41 + i}`,
            body: { email, password: 'wrong-password' },
          }),
      ),
    );
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    assert.equal(
      (await metricTotal(adminReplicas, 'catalogue_sign_in_delay_seconds_count')) - delaysBefore,
      2,
      'the fourth and fifth were delayed, counted across both replicas',
    );
  });

  test('storefront sign-ins through main count per client, whatever X-Forwarded-For the client sends', async () => {
    const statuses = await throughBalancer(
      mainReplicas,
      Array.from(
        { length: 6 },
        (_, i) => () =>
          call(`${lb.url('main')}/api/auth/login`, {
            method: 'POST',
            from: '127.0.0.38',
            headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
            body: { email: `nobody-${randomUUID()}@example.com`, password: 'wrong-password' },
          }),
      ),
    );
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429], 'the client is counted under its own address, not the ones it wrote');
    const other = await call(`${lb.url('main')}/api/auth/login`, {
      method: 'POST',
      from: '127.0.0.39',
      body: { email: `nobody-${randomUUID()}@example.com`, password: 'wrong-password' },
    });
    assert.equal(other.status, 401, 'another client through the same main is not refused: main is not one address to admin');
  });

  test('admin writes per client address: of seven, exactly five are accepted', async () => {
    const staff = await tokenFor('1', 'staff');
    const statuses = await throughBalancer(
      adminReplicas,
      Array.from(
        { length: 7 },
        (_, i) => () =>
          call(`${lb.url('admin')}/api/products`, {
            method: 'POST',
            token: staff,
            from: '127.0.0.34',
            body: { title: `Write ${i}`, image: 'https://img.example/w.png' },
          }),
      ),
    );
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429]);
  });

  test('with Redis stopped, both services keep serving (no 5xx, no hang) and count the store errors', async () => {
    const [id] = await mainProducts(1);
    const mainErrors = await storeErrors(mainReplicas);
    const adminErrors = await storeErrors(adminReplicas);
    await redis.stop();
    try {
      const customer = await tokenFor(`outage-${randomUUID()}`, 'customer');
      const staff = await tokenFor('1', 'staff');
      const likes = await throughBalancer(
        mainReplicas,
        [1, 2].map(() => () => call(`${lb.url('main')}/api/products/${id}/like`, { method: 'POST', token: customer, from: '127.0.0.35' })),
      );
      assert.deepEqual(likes, [200, 400], 'the like is recorded, the repeat refused as already liked: served, uncounted');
      const signIns = await throughBalancer(
        adminReplicas,
        [1, 2].map(
          () => () =>
            call(`${lb.url('admin')}/api/auth/login`, {
              method: 'POST',
              from: '127.0.0.36',
              body: { email: 'nobody@example.com', password: 'wrong-password' },
            }),
        ),
      );
      assert.deepEqual(signIns, [401, 401]);
      const writes = await throughBalancer(
        adminReplicas,
        [1, 2].map(
          () => () =>
            call(`${lb.url('admin')}/api/products`, {
              method: 'POST',
              token: staff,
              from: '127.0.0.37',
              body: { title: 'During the outage', image: 'https://img.example/o.png' },
            }),
        ),
      );
      assert.deepEqual(writes, [201, 201]);
      assert.ok((await storeErrors(mainReplicas)) > mainErrors, "main's store errors rose");
      assert.ok((await storeErrors(adminReplicas)) > adminErrors, "admin's store errors rose");
    } finally {
      await redis.start();
    }
  });
});
