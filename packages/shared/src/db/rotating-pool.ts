import mysql, { type Pool, type PoolConnection, type PoolOptions } from 'mysql2';
import type { CredentialSource } from '../config/refreshing-secret';
import type { DatabaseCredentials } from '../config/secrets';
import type { Logger } from '../logging/logger';
import { credentialEvents } from '../observability/credential-events';
import { isAuthenticationError } from './errors';

export interface RotationOptions {
  source: CredentialSource<DatabaseCredentials>;
  /** Read the secret again this often even when nothing fails; 0 reads it only after a refused login. */
  refreshIntervalMs: number;
  /** Credentials the database refused are not tried again sooner than this. */
  retryRefusedAfterMs: number;
  logger: Logger;
}

type ConnectionCallback = (err: NodeJS.ErrnoException | null, connection?: PoolConnection) => void;

/** One mysql2 pool and the credentials it opens connections with. */
interface Generation {
  readonly pool: Pool;
  readonly credentials: DatabaseCredentials;
  /** Connections handed out and not back yet. */
  readonly leased: Set<PoolConnection>;
  /** getConnection calls still waiting on this pool. */
  waiting: number;
  /** Replaced: takes no new work and ends once its last connection comes back. */
  retired: boolean;
  ended?: Promise<void>;
}

/**
 * What TypeORM's `driver` option takes (it calls `createPool` and nothing else of the module):
 * mysql2, with pools that follow a credential source. A mysql2 pool keeps the credentials it was
 * created with, and offers no supported way to change them (sidorares/node-mysql2#1983), so each
 * change of credentials gets a new mysql2 pool behind one stable object, and the old pool ends
 * once the connections it lent out come back.
 */
export function rotatingMysqlDriver(options: RotationOptions): { createPool(config: PoolOptions): RotatingPool } {
  return { createPool: (config) => new RotatingPool(config, options) };
}

/**
 * The pool TypeORM sees (`getConnection`, `end`). A refused login makes it read the secret again
 * (the source bounds how often) and, when the secret changed, retry once with the new credentials;
 * without failures it reads every `refreshIntervalMs`. Changed credentials are tried on one
 * connection before new work moves to them; running connections finish their work untouched.
 */
export class RotatingPool {
  private current: Generation;
  private readonly retiring = new Set<Generation>();
  private readonly tracked = new WeakSet<PoolConnection>();
  private refused?: { credentials: DatabaseCredentials; at: number };
  private switching?: Promise<void>;
  private readonly timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly config: PoolOptions,
    private readonly options: RotationOptions,
  ) {
    this.current = this.open(options.source.current);
    if (options.source.refreshable && options.refreshIntervalMs > 0) {
      this.timer = setInterval(() => void this.follow().catch(() => undefined), options.refreshIntervalMs);
      this.timer.unref();
    }
  }

  getConnection(callback: ConnectionCallback): void {
    this.acquire().then(
      (connection) => callback(null, connection),
      (err: NodeJS.ErrnoException) => callback(err),
    );
  }

  end(callback?: (err: NodeJS.ErrnoException | null) => void): void {
    this.closed = true;
    clearInterval(this.timer);
    const generations = [this.current, ...this.retiring];
    void Promise.all(generations.map((generation) => this.endPool(generation))).then(() => callback?.(null));
  }

  /** Reads the secret (within the source's bounds) and moves new connections to changed credentials. */
  private follow(): Promise<void> {
    this.switching ??= this.switchIfChanged().finally(() => {
      this.switching = undefined;
    });
    return this.switching;
  }

  private async acquire(): Promise<PoolConnection> {
    if (this.closed) throw new Error('Pool is closed.');
    const generation = this.current;
    try {
      return await this.lease(generation);
    } catch (err) {
      if (!isAuthenticationError(err)) throw err;
      credentialEvents.databaseAuthFailed();
      if (!this.options.source.refreshable) throw err;
      await this.follow();
      // Nothing new in the secret (or it was refused too): the refusal stands, the caller retries later.
      if (this.current === generation || this.closed) throw err;
      return this.lease(this.current);
    }
  }

  private async switchIfChanged(): Promise<void> {
    const latest = await this.options.source.refresh();
    if (this.closed || sameLogin(latest, this.current.credentials)) return;
    if (this.refused && sameLogin(latest, this.refused.credentials) && Date.now() - this.refused.at < this.options.retryRefusedAfterMs)
      return;
    const candidate = this.open(latest);
    try {
      (await this.lease(candidate)).release();
    } catch (err) {
      if (isAuthenticationError(err)) {
        credentialEvents.databaseAuthFailed();
        this.refused = { credentials: latest, at: Date.now() };
      }
      candidate.retired = true;
      void this.endPool(candidate);
      const reason = (err as { code?: unknown }).code ?? 'error';
      this.options.logger.warn({ reason }, 'could not open a connection with the new credentials from the secret; keeping the ones in use');
      return;
    }
    const previous = this.current;
    this.current = candidate;
    this.refused = undefined;
    previous.retired = true;
    this.retiring.add(previous);
    this.endIfDrained(previous);
    this.options.logger.info(
      { userChanged: latest.user !== previous.credentials.user },
      'database credentials changed: new connections use them; open connections finish their work first',
    );
  }

  private open(credentials: DatabaseCredentials): Generation {
    const pool = mysql.createPool({
      ...this.config,
      host: credentials.host,
      port: credentials.port,
      user: credentials.user,
      password: credentials.password,
    });
    const generation: Generation = { pool, credentials, leased: new Set(), waiting: 0, retired: false };
    pool.on('release', (connection) => {
      generation.leased.delete(connection);
      this.endIfDrained(generation);
    });
    return generation;
  }

  private lease(generation: Generation): Promise<PoolConnection> {
    generation.waiting++;
    return new Promise((resolve, reject) => {
      generation.pool.getConnection((err, connection) => {
        generation.waiting--;
        if (err) {
          this.endIfDrained(generation);
          reject(err);
          return;
        }
        generation.leased.add(connection);
        this.track(connection, generation);
        resolve(connection);
      });
    });
  }

  /** Once per connection: a connection that dies never comes back through 'release'. */
  private track(connection: PoolConnection, generation: Generation): void {
    if (this.tracked.has(connection)) return;
    this.tracked.add(connection);
    const gone = () => {
      generation.leased.delete(connection);
      this.endIfDrained(generation);
    };
    connection.on('end', gone);
    connection.on('error', gone);
  }

  private endIfDrained(generation: Generation): void {
    if (!generation.retired || generation.leased.size > 0 || generation.waiting > 0) return;
    void this.endPool(generation).then(() => this.retiring.delete(generation));
  }

  private endPool(generation: Generation): Promise<void> {
    // Ending only fails for connections that are already gone: nothing to do about it.
    generation.ended ??= new Promise((resolve) => generation.pool.end(() => resolve()));
    return generation.ended;
  }
}

function sameLogin(a: DatabaseCredentials, b: DatabaseCredentials): boolean {
  return a.user === b.user && a.password === b.password && a.host === b.host && a.port === b.port;
}
