import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '@catalogue/shared/testing';
import { freePort, guardAgainstOrphans, killIfStill } from '../../faults/harness/servers';

export interface Upstream {
  name: string;
  port: number;
}

export interface LoadBalancerLayout {
  main: Upstream[];
  admin: Upstream[];
  broker: Upstream[];
  /** The replicas' readiness path, which HAProxy checks. */
  readinessPath: string;
}

/** HAProxy's view of one server, from its stats CSV. */
export interface ServerState {
  backend: string;
  server: string;
  status: string;
}

/**
 * The HAProxy configuration, as a deployment on plain hosts would run it:
 * - HTTP, one frontend per service over its API replicas, checked on readiness every 500 ms
 *   (two failures take a replica out: a draining replica leaves within about a second);
 * - a request whose connection failed (refused, reset before sending) is retried on another
 *   replica; a GET or HEAD also when the replica closed without answering or timed out. Other
 *   methods are never replayed once sent: a like replayed after its commit would answer "already
 *   liked" to a like that was in fact recorded, and a create would create twice;
 * - idle connections are closed by the side that would reuse them, never under its feet: clients
 *   close theirs first (Node's fetch after 4 s) before HAProxy's http-keep-alive (10 s), which is
 *   far below the services' keepAliveTimeout (65 s: SERVER_TIMEOUTS), and idle server connections
 *   are purged within seconds;
 * - TCP over the three broker nodes: a client whose node dies or pauses reconnects through it to
 *   a live one (as a Kubernetes Service in front of the RabbitMQ pods does).
 */
export function haproxyConfig(layout: LoadBalancerLayout, ports: { main: number; admin: number; broker: number; stats: number }): string {
  const httpBackend = (name: string, servers: Upstream[]) => [
    `backend ${name}`,
    '  balance roundrobin',
    `  option httpchk GET ${layout.readinessPath}`,
    '  http-check expect status 200',
    '  option forwardfor',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout',
    '  http-request disable-l7-retry unless METH_GET || METH_HEAD',
    '  default-server check inter 500ms fall 2 rise 2 pool-purge-delay 1s',
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
    '',
  ];
  return [
    'global',
    '  maxconn 4096',
    '  log stdout format raw local0 info',
    '',
    'defaults',
    '  mode http',
    // Abnormal exchanges only (errors, aborts, retries): what explains a request that went unanswered.
    '  log global',
    '  option httplog',
    '  option dontlog-normal',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout check 2s',
    '',
    'frontend main',
    `  bind 127.0.0.1:${ports.main}`,
    '  default_backend main',
    '',
    'frontend admin',
    `  bind 127.0.0.1:${ports.admin}`,
    '  default_backend admin',
    '',
    ...httpBackend('main', layout.main),
    ...httpBackend('admin', layout.admin),
    'listen broker',
    '  mode tcp',
    '  option tcplog',
    `  bind 127.0.0.1:${ports.broker}`,
    '  balance leastconn',
    // AMQP connections live for hours; heartbeats (seconds) keep them busy, these only bound a dead peer.
    '  timeout client 3h',
    '  timeout server 3h',
    '  retries 3',
    '  option redispatch 1',
    '  default-server check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions',
    ...layout.broker.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
    '',
    'listen stats',
    '  mode http',
    `  bind 127.0.0.1:${ports.stats}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

/** Debian's haproxy in the foreground, on free ports, with the configuration above. Always `stop()`. */
export class LoadBalancer {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'cluster-haproxy-'));
  private child: ChildProcess | undefined;
  private output = '';
  /** HAProxy's log of abnormal exchanges, line by line. */
  readonly log: string[] = [];
  private constructor(readonly ports: { main: number; admin: number; broker: number; stats: number }) {}

  /** Picks its ports first: the services it fronts need its broker and admin addresses before it starts. */
  static async reserve(): Promise<LoadBalancer> {
    return new LoadBalancer({ main: await freePort(), admin: await freePort(), broker: await freePort(), stats: await freePort() });
  }

  get mainUrl(): string {
    return `http://127.0.0.1:${this.ports.main}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.ports.admin}`;
  }

  get brokerUrl(): string {
    return `amqp://guest:guest@127.0.0.1:${this.ports.broker}`;
  }

  async start(layout: LoadBalancerLayout): Promise<void> {
    const file = path.join(this.dir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig(layout, this.ports));
    const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      this.log.push(...lines);
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned) throw new Error("haproxy is missing: install Debian's haproxy package (.ci/run does)");
    if (child.pid) guardAgainstOrphans(`${killIfStill(String(child.pid), file)}; rm -rf ${this.dir}`);
    await eventually(async () => (await this.servers()).length > 0, { timeoutMs: 30_000, what: `HAProxy's stats; output: ${this.output}` });
  }

  async servers(): Promise<ServerState[]> {
    if (!this.child || this.child.exitCode !== null) throw new Error(`haproxy is not running: ${this.output}`);
    const res = await fetch(`http://127.0.0.1:${this.ports.stats}/stats;csv`, { signal: AbortSignal.timeout(3000) });
    const [header, ...lines] = (await res.text()).trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    return lines
      .map((line) => line.split(','))
      .filter((cells) => cells[at('svname')] !== 'FRONTEND' && cells[at('svname')] !== 'BACKEND')
      .map((cells) => ({ backend: cells[at('pxname')]!, server: cells[at('svname')]!, status: cells[at('status')]! }))
      .filter((s) => s.backend !== 'stats');
  }

  async serverUp(backend: string, server: string): Promise<boolean> {
    return (await this.servers()).some((s) => s.backend === backend && s.server === server && s.status === 'UP');
  }

  async allUp(): Promise<boolean> {
    return (await this.servers()).every((s) => s.status === 'UP');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
