import { migrateSchema } from '@catalogue/migrations';
import { topologyFor } from '@catalogue/shared';
import { FaultProxy } from '@catalogue/shared/testing';
import amqplib from 'amqplib';
import mysql from 'mysql2/promise';
import type { Databases } from './checker';
import { PrivateMariaDb, PrivateRabbitMq, freePort } from './servers';
import { ServiceProcess } from './service-process';
import { staffCredentials } from './staff-token';
import { hs256CustomerTokens, type WorkloadTargets } from './workload';

export const FAULT_JWT_SECRET = 'fault-tests-secret-0123456789abcdef0123456789';

/**
 * The whole system for fault tests: both services as child processes, each with a database server
 * of its own and a shared broker, all private to the test, with a fault proxy on every link from a
 * service to the broker or to its database.
 */
export class FaultSystem {
  readonly mainDb = new PrivateMariaDb('main');
  readonly adminDb = new PrivateMariaDb('admin');
  readonly broker = new PrivateRabbitMq();
  proxies!: { mainBroker: FaultProxy; adminBroker: FaultProxy; mainDb: FaultProxy; adminDb: FaultProxy };
  main!: ServiceProcess;
  admin!: ServiceProcess;
  /** Direct connections for the checker: they bypass the proxies. */
  mainSql!: mysql.Pool;
  adminSql!: mysql.Pool;
  readonly topology = topologyFor('');
  /** A staff token signed with admin's key, for the workload's admin writes and main's resync. */
  staffToken = '';

  static async create(): Promise<FaultSystem> {
    const system = new FaultSystem();
    try {
      await system.setUp();
    } catch (err) {
      await system.destroy();
      throw err;
    }
    return system;
  }

  private async setUp(): Promise<void> {
    await Promise.all([this.mainDb.init(), this.adminDb.init(), this.broker.init()]);
    const root = (db: PrivateMariaDb, database: string) => ({ host: '127.0.0.1', port: db.port, user: 'root', password: '', database });
    for (const [db, name] of [
      [this.mainDb, 'catalogue_main'],
      [this.adminDb, 'catalogue_admin'],
    ] as const) {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', password: '' });
      await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await conn.end();
    }
    await migrateSchema('main', root(this.mainDb, 'catalogue_main'));
    await migrateSchema('admin', root(this.adminDb, 'catalogue_admin'));
    this.mainSql = mysql.createPool({ ...root(this.mainDb, 'catalogue_main'), connectionLimit: 2 });
    this.adminSql = mysql.createPool({ ...root(this.adminDb, 'catalogue_admin'), connectionLimit: 2 });

    this.proxies = {
      mainBroker: new FaultProxy('127.0.0.1', this.broker.port),
      adminBroker: new FaultProxy('127.0.0.1', this.broker.port),
      mainDb: new FaultProxy('127.0.0.1', this.mainDb.port),
      adminDb: new FaultProxy('127.0.0.1', this.adminDb.port),
    };
    await Promise.all(Object.values(this.proxies).map((p) => p.start()));

    const { signingKey, staffToken } = await staffCredentials();
    this.staffToken = staffToken;

    const [mainPort, adminPort] = [await freePort(), await freePort()];
    const common = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DB_HOST: '127.0.0.1',
      DB_USER: 'root',
      DB_PASSWORD: '',
      OUTBOX_SWEEP_MS: '250',
      PUBLISH_CONFIRM_TIMEOUT_MS: '2000',
      AMQP_HEARTBEAT_SECONDS: '2',
      SHUTDOWN_TIMEOUT_MS: '8000',
      // The workload is one client hammering both APIs: rate limits would only turn it away.
      LIKES_PER_MINUTE_PER_USER: '1000000',
      LIKES_PER_MINUTE_PER_ADDRESS: '1000000',
      WRITES_PER_MINUTE: '1000000',
    };
    this.admin = new ServiceProcess('admin', adminPort, {
      ...common,
      DB_PORT: String(this.proxies.adminDb.port),
      DB_NAME: 'catalogue_admin',
      RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${this.proxies.adminBroker.port}`,
      JWT_PRIVATE_KEY: signingKey,
    });
    this.main = new ServiceProcess('main', mainPort, {
      ...common,
      DB_PORT: String(this.proxies.mainDb.port),
      DB_NAME: 'catalogue_main',
      RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${this.proxies.mainBroker.port}`,
      JWT_SECRET: FAULT_JWT_SECRET,
      ADMIN_URL: `http://127.0.0.1:${adminPort}`,
      ADMIN_TOKEN: this.staffToken,
    });
  }

  /** Where a Workload sends its requests: straight to each service's own port. */
  workloadTargets(): WorkloadTargets {
    return {
      main: [this.main.url],
      admin: [this.admin.url],
      staffToken: () => this.staffToken,
      customerToken: hs256CustomerTokens(FAULT_JWT_SECRET),
    };
  }

  /** The checker's view of both databases (direct, not through the proxies). */
  databases(): Databases {
    return { main: this.mainSql, admin: this.adminSql };
  }

  async deadLettered(): Promise<number> {
    const queues = await this.readyMessages();
    return queues.mainDead + queues.adminDead;
  }

  async startServices(): Promise<void> {
    if (!this.admin.running) await this.admin.start();
    if (!this.main.running) await this.main.start();
  }

  /**
   * Both services answer their health check (database reachable, every broker connection open):
   * each fault starts from a healthy system, so what it breaks is really there to break.
   */
  async waitForHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const service of [this.main, this.admin]) {
      let last: string;
      for (;;) {
        try {
          // The detailed report: readiness needs only the database, a fault needs the broker too.
          const res = await fetch(`${service.url}/api/health`, { signal: AbortSignal.timeout(2000) });
          const text = await res.text();
          last = `${res.status} ${text}`;
          const checks = (JSON.parse(text) as { checks?: { database?: string; broker?: string } }).checks;
          if (checks?.database === 'up' && checks.broker === 'up') break;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > deadline)
          throw new Error(`${service.name}-service is not healthy after ${timeoutMs} ms: ${last}\n${service.tail()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Heals every link (all proxies back to pass). */
  heal(): void {
    for (const proxy of Object.values(this.proxies)) proxy.setMode('pass');
  }

  async outboxRows(): Promise<{ main: number; admin: number }> {
    const [[m]] = (await this.mainSql.query('SELECT COUNT(*) AS n FROM outbox')) as unknown as [[{ n: number }]];
    const [[a]] = (await this.adminSql.query('SELECT COUNT(*) AS n FROM outbox')) as unknown as [[{ n: number }]];
    return { main: Number(m.n), admin: Number(a.n) };
  }

  /** Ready messages in each work queue, read over AMQP (cheap enough to poll). */
  async readyMessages(): Promise<{ main: number; admin: number; mainDead: number; adminDead: number }> {
    const connection = await amqplib.connect(this.broker.url);
    try {
      const channel = await connection.createChannel();
      const depth = async (queue: string) => (await channel.checkQueue(queue)).messageCount;
      return {
        main: await depth(this.topology.mainQueue),
        admin: await depth(this.topology.adminQueue),
        mainDead: await depth(this.topology.mainDeadLetterQueue),
        adminDead: await depth(this.topology.adminDeadLetterQueue),
      };
    } finally {
      await connection.close();
    }
  }

  /**
   * Quiescence: both outboxes empty and both work queues drained (ready and unacknowledged),
   * holding still for a second. Dead-letter queues are reported, not waited on.
   */
  async waitForQuiescence(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince: number | undefined;
    let last: string;
    for (;;) {
      try {
        const outbox = await this.outboxRows();
        const queues = await this.readyMessages();
        last = JSON.stringify({ outbox, queues });
        const quiet = outbox.main === 0 && outbox.admin === 0 && queues.main === 0 && queues.admin === 0;
        quietSince = quiet ? (quietSince ?? Date.now()) : undefined;
        if (quietSince && Date.now() - quietSince > 1000) {
          const depths = await this.broker.queueDepths();
          if ((depths[this.topology.mainQueue] ?? 0) === 0 && (depths[this.topology.adminQueue] ?? 0) === 0) return;
          quietSince = undefined;
        }
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(`no quiescence within ${timeoutMs} ms; last: ${last}\nmain:\n${this.main.tail()}\nadmin:\n${this.admin.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async destroy(): Promise<void> {
    await Promise.allSettled([this.main?.kill(), this.admin?.kill()]);
    await Promise.allSettled(Object.values(this.proxies ?? {}).map((p) => p.stop()));
    await Promise.allSettled([this.mainSql?.end(), this.adminSql?.end()]);
    await Promise.allSettled([this.mainDb.destroy(), this.adminDb.destroy(), this.broker.destroy()]);
  }
}
