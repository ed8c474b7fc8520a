import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientRateLimitInfo, Options } from 'express-rate-limit';
import { createLogger } from '../logging/logger';
import { ServiceMetrics } from '../observability/metrics';
import { freePort, PrivateRedis, sampleValue } from '../testing';
import { RateLimitCounters } from './rate-limit-counters';

/** Counters as a process builds them, with its log lines kept for assertions. */
function countersFor(url: string | undefined, service = 'main') {
  const lines: string[] = [];
  const metrics = new ServiceMetrics('main', { defaultMetrics: false });
  const logger = createLogger({ service, level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const counters = new RateLimitCounters({ url, service, logger, metrics });
  return { counters, metrics, lines };
}

/** A limiter's store, initialised as express-rate-limit does when it builds the limiter. */
async function storeOf(
  counters: RateLimitCounters,
  limiter: string,
  windowMs = 60_000,
): Promise<{ increment(key: string): Promise<ClientRateLimitInfo> }> {
  const store = counters.storeFor(limiter);
  await store.init?.({ windowMs } as Options);
  return { increment: async (key) => store.increment(key) };
}

const errorsOf = async (metrics: ServiceMetrics, limiter: string) =>
  sampleValue((await metrics.exposition()).body, 'catalogue_rate_limit_store_errors_total', { limiter });

/** Settles within `ms` or fails the test: a rate limit must never hold a request indefinitely. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
    }),
  ]);
}

let redis: PrivateRedis;
before(async () => {
  redis = new PrivateRedis();
  await redis.start();
});
after(() => redis.destroy());

describe('rate-limit counters', () => {
  test('without REDIS_URL each process counts alone, each limiter in a store of bounded size', async () => {
    const { counters } = countersFor(undefined);
    assert.equal(counters.shared, false);
    const store = await storeOf(counters, 'likes-user');
    assert.equal((await store.increment('user:1')).totalHits, 1);
    assert.equal((await store.increment('user:1')).totalHits, 2);
    assert.deepEqual(counters.memoryUse(), { 'likes-user': { keys: 1, longestKey: 6, evicted: 0 } });
  });

  test('two processes on one Redis share each count; limiters and services never share keys', async () => {
    const a = countersFor(redis.url);
    const b = countersFor(redis.url);
    const admin = countersFor(redis.url, 'admin');
    for (const { counters } of [a, b, admin]) assert.equal(await counters.connect(), true);
    try {
      const [storeA, storeB, otherLimiter, adminStore] = await Promise.all([
        storeOf(a.counters, 'likes-user'),
        storeOf(b.counters, 'likes-user'),
        storeOf(a.counters, 'likes-address'),
        storeOf(admin.counters, 'likes-user'),
      ]);
      // Whatever the connection's progress, the stores answer once it is up.
      const key = `user:${Date.now()}`;
      const first = await waitForHits(() => storeA.increment(key));
      assert.equal(first.totalHits, 1);
      assert.equal((await storeB.increment(key)).totalHits, 2);
      assert.equal((await storeA.increment(key)).totalHits, 3);
      assert.ok(first.resetTime && first.resetTime.getTime() > Date.now(), 'the window ends in the future');
      assert.equal((await otherLimiter.increment(key)).totalHits, 1, 'another limiter counts apart');
      assert.equal((await adminStore.increment(key)).totalHits, 1, 'another service counts apart');
    } finally {
      await Promise.all([a, b, admin].map(({ counters }) => counters.close()));
    }
  });

  test('with Redis down at start-up, a count fails at once (counted), and counting starts when Redis answers', async () => {
    const down = new PrivateRedis();
    down.port = await freePort();
    const { counters, metrics } = countersFor(down.url);
    assert.equal(await counters.connect(), false, 'start-up waits no longer than the connect timeout');
    try {
      const store = await storeOf(counters, 'writes');
      await within(2000, assert.rejects(store.increment('address:1')));
      assert.equal(await errorsOf(metrics, 'writes'), 1);

      await down.start();
      const hits = await waitForHits(() => store.increment('address:1'));
      assert.equal(hits.totalHits, 1, 'the failed count was not kept anywhere');
      assert.equal((await store.increment('address:1')).totalHits, 2);
    } finally {
      await counters.close();
      await down.destroy();
    }
  });

  test('a hung Redis (SIGSTOP) fails a count within the command timeout; after three in a row, counts skip it at once until it answers again', async () => {
    const hung = new PrivateRedis();
    await hung.start();
    const { counters, metrics } = countersFor(hung.url);
    await counters.connect();
    try {
      const store = await storeOf(counters, 'login-email');
      await waitForHits(() => store.increment('email:a@example.com'));
      const before = await errorsOf(metrics, 'login-email');
      hung.pause();
      for (let i = 0; i < 3; i++) await within(5000, assert.rejects(store.increment('email:a@example.com'), /timed out/i));
      await assert.rejects(store.increment('email:a@example.com'), /circuit breaker is open/i);
      assert.equal((await errorsOf(metrics, 'login-email')) - before, 4);
      hung.resume();
      const hits = await waitForHits(() => store.increment('email:a@example.com'));
      assert.ok(hits.totalHits >= 2);
    } finally {
      hung.resume();
      await counters.close();
      await hung.destroy();
    }
  });

  test("failures are logged without the URL's password, at most once per interval however many there are", async () => {
    const port = await freePort();
    const password = 'sentinel-redis-password-5b1f';
    const { counters, lines } = countersFor(`redis://:${password}@127.0.0.1:${port}`);
    await counters.connect();
    try {
      const store = await storeOf(counters, 'likes-address');
      for (let i = 0; i < 20; i++) await assert.rejects(store.increment(`address:${i}`));
      const warnings = lines.filter((line) => line.includes('rate-limit store (Redis) unavailable'));
      assert.equal(warnings.length, 1, lines.join('\n'));
      assert.ok(!lines.join('\n').includes(password));
    } finally {
      await counters.close();
    }
  });
});

/** Retries until Redis answers (the client connects and reconnects in the background). */
async function waitForHits(increment: () => Promise<ClientRateLimitInfo>): Promise<ClientRateLimitInfo> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await increment();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
