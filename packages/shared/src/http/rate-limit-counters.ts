import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { Logger as RateLimitLogger, Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { ServiceMetrics } from '../observability/metrics';
import { BoundedMemoryStore } from './bounded-memory-store';

/** RATE_LIMIT_MEMORY_KEYS' default: a few MB per limiter at worst (keys are at most 64 characters, see rateLimiter). */
export const DEFAULT_MEMORY_KEYS = 20_000;

/** Both services read it: where rate-limit counters live when several replicas must share them. */
export const rateLimitEnvShape = {
  /** Redis (redis:// or rediss://, credentials in the URL) for counters every replica shares; unset, each process counts alone. */
  REDIS_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  /** Without Redis: the most keys (clients, emails) each limiter holds in this process; the keys whose windows end soonest make room. */
  RATE_LIMIT_MEMORY_KEYS: z.coerce.number().int().min(100).max(10_000_000).default(DEFAULT_MEMORY_KEYS),
} as const;

/**
 * Bounds on every wait for Redis: a request is never held longer than a command's timeout by its
 * rate limit, and never queued while Redis is away (it is served uncounted instead).
 */
export const REDIS_TIMEOUTS = { connectMs: 1000, commandMs: 500, maxReconnectDelayMs: 2000, breakerOpenMs: 1000 } as const;

/** After this many failures in a row, counts are not even tried for `breakerOpenMs` (then one request tries). */
const FAILURES_TO_OPEN = 3;

/** A warning at most this often while Redis keeps failing (each failure is still counted). */
const LOG_EVERY_MS = 10_000;

/**
 * Where a service's rate-limit counters live: in Redis when `REDIS_URL` is set, so replicas hold
 * each limit together, otherwise in each process's memory. With Redis away or slow, requests are
 * served without counting (fail open), each such request counted in
 * `catalogue_rate_limit_store_errors_total{limiter}` and logged at most every 10 s: a limit that
 * briefly stops holding is better than an API that answers 500 or hangs with its cache.
 */
export class RateLimitCounters {
  private readonly client?: Redis;
  /**
   * A hung Redis would cost every request a command timeout per limiter; once commands have timed
   * out a few times in a row, requests skip it at once until one of them finds it answering again.
   * (While disconnected, commands fail at once anyway.)
   */
  private readonly breaker: CircuitBreakerPolicy = circuitBreaker(
    handleWhen((err) => err instanceof Error && /timed out/i.test(err.message)),
    { halfOpenAfter: REDIS_TIMEOUTS.breakerOpenMs, breaker: new ConsecutiveBreaker(FAILURES_TO_OPEN) },
  );
  /** Errors this class already counted and logged, so the library's own report of them is dropped. */
  private readonly reported = new WeakSet<object>();
  private lastWarning = 0;
  private unreported = 0;
  /** Each limiter's store when counting in this process. */
  private readonly memoryStores = new Map<string, BoundedMemoryStore>();

  constructor(private readonly options: { url?: string; service: string; logger: Logger; metrics: ServiceMetrics; memoryKeys?: number }) {
    if (!options.url) return;
    this.client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: REDIS_TIMEOUTS.connectMs,
      commandTimeout: REDIS_TIMEOUTS.commandMs,
      // Nothing waits for a connection: a command while disconnected fails at once...
      enableOfflineQueue: false,
      // ...and one in flight when the connection drops fails instead of being sent again later.
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), REDIS_TIMEOUTS.maxReconnectDelayMs),
    });
    // ioredis reports connection failures as events; without a listener they would crash the process.
    this.client.on('error', (err: Error) => this.warn(err, 'connection'));
  }

  /** True when counters are shared through Redis. */
  get shared(): boolean {
    return this.client !== undefined;
  }

  /**
   * Starts connecting (and reconnecting, for as long as it takes) and waits at most the connect
   * timeout for the first connection: a Redis that is down at start-up delays start-up by no more
   * than that, and limits fail open until it answers. True when connected (or nothing to connect).
   */
  async connect(): Promise<boolean> {
    const client = this.client;
    if (!client) return true;
    client.connect().catch((err: unknown) => this.warn(err, 'connection'));
    if (client.status === 'ready') return true;
    try {
      await once(client, 'ready', { signal: AbortSignal.timeout(REDIS_TIMEOUTS.connectMs) });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (!this.client) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** The store for one limiter (each needs its own): in Redis, or in this process with a bounded number of keys. */
  storeFor(limiter: string): Store {
    const client = this.client;
    if (!client) {
      const store = new BoundedMemoryStore(`${limiter}:`, this.options.memoryKeys ?? DEFAULT_MEMORY_KEYS);
      this.memoryStores.set(limiter, store);
      return store;
    }
    this.options.metrics.rateLimitStoreErrors.labels(limiter).inc(0);
    const failed = (err: unknown) => {
      this.options.metrics.rateLimitStoreErrors.inc({ limiter });
      this.warn(err, limiter);
      if (err && typeof err === 'object') this.reported.add(err);
    };
    return new GuardedRedisStore(
      {
        prefix: `catalogue:rl:${this.options.service}:${limiter}:`,
        sendCommand: (command: string, ...args: string[]) =>
          sendCommand(client, () => this.breaker.execute(() => client.call(command, ...args) as Promise<RedisReply>), command, args),
      },
      failed,
    );
  }

  /** Keys each limiter holds in this process (none with Redis, where each key expires with its window). */
  memoryUse(): Record<string, { keys: number; longestKey: number; evicted: number }> {
    return Object.fromEntries(
      [...this.memoryStores].map(([limiter, store]) => [
        limiter,
        { keys: store.size, longestKey: store.longestKey(), evicted: store.evicted },
      ]),
    );
  }

  /** For express-rate-limit's `logger`: what the stores already reported is dropped, anything else logged. */
  readonly libraryLogger: RateLimitLogger = {
    warn: (error, message) => this.options.logger.warn({ err: describe(error) }, message ?? 'express-rate-limit warning'),
    error: (error, message) => {
      if (error && typeof error === 'object' && this.reported.has(error)) return;
      this.options.logger.error({ err: describe(error) }, message ?? 'express-rate-limit error');
    },
  };

  private warn(err: unknown, where: string): void {
    const now = Date.now();
    if (now - this.lastWarning < LOG_EVERY_MS) {
      this.unreported++;
      return;
    }
    this.options.logger.warn(
      { err: describe(err), where, failuresSinceLastWarning: this.unreported },
      'rate-limit store (Redis) unavailable: requests are served without counting',
    );
    this.lastWarning = now;
    this.unreported = 0;
  }
}

/**
 * rate-limit-redis loads its Lua script once, when the limiter is built. Were Redis down then, the
 * store would keep that failed load and never count again. So a load is answered with the
 * script's SHA1 (what Redis would answer) whenever Redis is not connected or fails it: the first
 * EVALSHA on a Redis without the script gets NOSCRIPT, and the store loads it then. Building a
 * limiter thus never opens a connection (`connect()` does).
 */
function sendCommand(client: Redis, send: () => Promise<RedisReply>, command: string, args: string[]): Promise<RedisReply> {
  const script = command.toUpperCase() === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' ? args[1] : undefined;
  if (script === undefined) return send();
  const sha1 = () => createHash('sha1').update(script).digest('hex');
  if (client.status !== 'ready') return Promise.resolve(sha1());
  return send().catch(sha1);
}

/** A RedisStore that reports each failure before express-rate-limit lets the request through. */
class GuardedRedisStore extends RedisStore {
  constructor(
    options: ConstructorParameters<typeof RedisStore>[0],
    private readonly failed: (err: unknown) => void,
  ) {
    super(options);
  }

  override async increment(key: string) {
    try {
      return await super.increment(key);
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  override async decrement(key: string) {
    try {
      await super.decrement(key);
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }
}

/** Error messages only: a Redis error never carries the URL's password, and nothing else is logged. */
function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
