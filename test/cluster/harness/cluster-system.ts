import { migrateSchema } from '@catalogue/migrations';
import { topologyFor } from '@catalogue/shared';
import { eventually, PrivateRedis } from '@catalogue/shared/testing';
import amqplib from 'amqplib';
import mysql from 'mysql2/promise';
import type { Databases } from '../../faults/harness/checker';
import { FAULT_JWT_SECRET } from '../../faults/harness/fault-system';
import { PrivateMariaDb, portOpen } from '../../faults/harness/servers';
import { staffCredentials } from '../../faults/harness/staff-token';
import { hs256CustomerTokens, type WorkloadTargets } from '../../faults/harness/workload';
import { PrivateHaproxy } from '../../support/haproxy';
import { ServiceFleet, type Member } from './fleet';
import { stablePort } from './ports';
import { provisionCluster } from './provisioning';
import { RabbitCluster } from './rabbit-cluster';

/**
 * Where HAProxy and the fleet ask whether a process can take work: an API process while its
 * database answers (the broker's absence is covered by the outbox), a consumer-only process also
 * while its broker connections are open.
 */
export const READINESS_PATH = '/readyz';

/**
 * The distributed shape on one machine, all private to the test: a three-node RabbitMQ cluster,
 * two API replicas of each service behind HAProxy (which also fronts the broker nodes), two
 * consumer-only processes per service, a Redis for shared rate limits, and one MariaDB holding
 * both services' schemas. Requests go through HAProxy as a user's would.
 */
export class ClusterSystem {
  readonly db = new PrivateMariaDb('cluster');
  readonly redis = new PrivateRedis();
  readonly topology = topologyFor('');
  rabbit!: RabbitCluster;
  lb!: PrivateHaproxy;
  fleet!: ServiceFleet;
  /** Direct connections for the checker. */
  mainSql!: mysql.Pool;
  adminSql!: mysql.Pool;
  staffToken = '';

  static async create(log: (line: string) => void = console.log): Promise<ClusterSystem> {
    const system = new ClusterSystem();
    try {
      await system.setUp(log);
    } catch (err) {
      await system.destroy();
      throw err;
    }
    return system;
  }

  /** The load balancer's frontends: what the workload and the probe talk to. */
  get main(): { url: string } {
    return { url: this.lb.url('main') };
  }

  get admin(): { url: string } {
    return { url: this.lb.url('admin') };
  }

  /** The fault harness's workload, pointed at the load balancer. */
  workloadTargets(): WorkloadTargets {
    return {
      main: [this.main.url],
      admin: [this.admin.url],
      staffToken: () => this.staffToken,
      customerToken: hs256CustomerTokens(FAULT_JWT_SECRET),
    };
  }

  /** The checker's view of both schemas (direct, not through anything the faults touch). */
  databases(): Databases {
    return { main: this.mainSql, admin: this.adminSql };
  }

  async deadLettered(): Promise<number> {
    const queues = await this.readyMessages();
    return queues.mainDead + queues.adminDead;
  }

  /** The broker through the load balancer, as the administrator (the checker's own connections). */
  get brokerUrl(): string {
    return `amqp://guest:guest@127.0.0.1:${this.lb.port('broker')}`;
  }

  get workQueues(): string[] {
    return [this.topology.mainQueue, this.topology.adminQueue];
  }

  private async setUp(log: (line: string) => void): Promise<void> {
    const started = Date.now();
    const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    // Redis is stopped and started again by a fault: a port it can bind again.
    this.redis.port = await stablePort();
    await Promise.all([
      this.db.init(),
      RabbitCluster.create().then((cluster) => {
        this.rabbit = cluster;
        log(`cluster: three RabbitMQ nodes joined (${cluster.nodes.map((n) => n.name).join(', ')}) after ${since()}`);
      }),
      this.redis.start(),
    ]);
    const apiPorts = { main: [await stablePort(), await stablePort()], admin: [await stablePort(), await stablePort()] };
    this.lb = new PrivateHaproxy([
      { name: 'main', servers: apiPorts.main, check: READINESS_PATH },
      { name: 'admin', servers: apiPorts.admin, check: READINESS_PATH },
      { name: 'broker', servers: this.rabbit.nodes.map((n) => n.spec.amqpPort), mode: 'tcp' },
    ]);
    await this.lb.reserve();
    const users = await provisionCluster({
      databasePort: this.db.port,
      managementUrl: this.rabbit.nodes[0]!.managementUrl,
      brokerPort: this.lb.port('broker'),
    });
    const root = (database: string) => ({ host: '127.0.0.1', port: this.db.port, user: 'root', password: '', database });
    await migrateSchema('main', root('catalogue_main'));
    await migrateSchema('admin', root('catalogue_admin'));
    this.mainSql = mysql.createPool({ ...root('catalogue_main'), connectionLimit: 2 });
    this.adminSql = mysql.createPool({ ...root('catalogue_admin'), connectionLimit: 2 });

    const { signingKey, staffToken } = await staffCredentials();
    this.staffToken = staffToken;
    const common = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DB_HOST: '127.0.0.1',
      DB_PORT: String(this.db.port),
      // Provisioned above, as in production: the services only check that it exists.
      AMQP_DECLARE_TOPOLOGY: 'false',
      AMQP_HEARTBEAT_SECONDS: '5',
      OUTBOX_SWEEP_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '15000',
      // HAProxy takes a replica out after two failed checks 500 ms apart: drain for longer than that.
      SHUTDOWN_DRAIN_MS: '2500',
      TRUST_PROXY_HOPS: '1',
      REDIS_URL: this.redis.url,
      // The workload is one client hammering both APIs: rate limits would only turn it away.
      LIKES_PER_MINUTE_PER_USER: '1000000',
      LIKES_PER_MINUTE_PER_ADDRESS: '1000000',
      WRITES_PER_MINUTE: '1000000',
    };
    this.fleet = await ServiceFleet.create({
      env: {
        admin: { ...common, ...users.admin, DB_NAME: 'catalogue_admin', JWT_PRIVATE_KEY: signingKey },
        main: {
          ...common,
          ...users.main,
          DB_NAME: 'catalogue_main',
          JWT_SECRET: FAULT_JWT_SECRET,
          ADMIN_URL: this.admin.url,
          ADMIN_TOKEN: staffToken,
        },
      },
      readinessPath: READINESS_PATH,
      apiPorts,
      consumers: 2,
    });
    await this.lb.start();
    await this.fleet.startAll();
    log(`cluster: ${this.fleet.members.length} service processes started after ${since()}`);
    await eventually(() => this.whole(), { timeoutMs: 120_000, intervalMs: 250, what: 'the whole cluster up' });
    log(`cluster: whole and serving through HAProxy after ${since()}`);
  }

  /** Every part healthy: the broker whole, every process running and ready, HAProxy seeing every server up. */
  async whole(): Promise<boolean> {
    if (!this.fleet.members.every((m) => m.process.running)) return false;
    if (!(await this.rabbit.whole([...this.workQueues, this.topology.mainDeadLetterQueue, this.topology.adminDeadLetterQueue])))
      return false;
    if (!(await this.lb.allUp())) return false;
    const ready = await Promise.all(this.fleet.members.filter((m) => m.role === 'consumer').map((m) => this.ready(m)));
    return ready.every(Boolean);
  }

  /** Puts back whatever a fault that failed half-way left broken: the partition, a stopped node, Redis, a process. */
  async restore(): Promise<void> {
    await this.rabbit.heal();
    await Promise.all(this.rabbit.nodes.filter((n) => !n.running()).map((n) => n.start()));
    if (!(await portOpen(this.redis.port))) await this.redis.start();
    await this.fleet.ensureRunning();
  }

  async ready(member: Member): Promise<boolean> {
    try {
      const res = await fetch(`${member.process.url}${READINESS_PATH}`, { signal: AbortSignal.timeout(3000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  async outboxRows(): Promise<{ main: number; admin: number }> {
    const [[m]] = (await this.mainSql.query('SELECT COUNT(*) AS n FROM outbox')) as unknown as [[{ n: number }]];
    const [[a]] = (await this.adminSql.query('SELECT COUNT(*) AS n FROM outbox')) as unknown as [[{ n: number }]];
    return { main: Number(m.n), admin: Number(a.n) };
  }

  /** Ready messages in each work and dead-letter queue, over AMQP through the load balancer. */
  async readyMessages(): Promise<{ main: number; admin: number; mainDead: number; adminDead: number }> {
    const connection = await amqplib.connect(this.brokerUrl);
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
   * Quiescence: both outboxes empty and both work queues drained (nothing ready, nothing
   * unacknowledged), holding still for two seconds (the queue figures are about a second old).
   */
  async waitForQuiescence(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince: number | undefined;
    let last: string;
    for (;;) {
      try {
        const outbox = await this.outboxRows();
        const queues = await Promise.all(this.workQueues.map((q) => this.rabbit.queue(q)));
        const ready = await this.readyMessages();
        last = JSON.stringify({ outbox, queues: queues.map((q) => [q.name, q.messages]), ready });
        const quiet = outbox.main + outbox.admin === 0 && queues.every((q) => q.messages === 0) && ready.main + ready.admin === 0;
        quietSince = quiet ? (quietSince ?? Date.now()) : undefined;
        if (quietSince !== undefined && Date.now() - quietSince >= 2000) return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`no quiescence within ${timeoutMs} ms; last: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async destroy(): Promise<void> {
    await this.fleet?.killAll();
    await this.lb?.stop().catch(() => undefined);
    await Promise.allSettled([this.mainSql?.end(), this.adminSql?.end()]);
    await Promise.allSettled([this.redis.destroy(), this.rabbit?.destroy(), this.db.destroy()]);
  }
}
