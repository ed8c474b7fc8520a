import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, freePort } from '@catalogue/shared/testing';
import { guardAgainstOrphans, killIfStill } from '../faults/harness/servers';

export interface Backend {
  /** Names the frontend and backend in the config (letters, digits, dashes). */
  name: string;
  /** The replicas' ports on 127.0.0.1; the i-th is the server `<name><i+1>`. */
  servers: number[];
  /** Readiness path HAProxy checks each replica on (HTTP backends; default `/readyz`). */
  check?: string;
  /** `tcp` for a TCP frontend (the broker nodes), checked by connecting; `http` by default. */
  mode?: 'http' | 'tcp';
}

/** HAProxy's view of one server, from its stats CSV. */
export interface ServerState {
  backend: string;
  server: string;
  status: string;
}

/**
 * The HAProxy configuration, as a deployment on plain hosts would run it (docs/deploy.md):
 * - HTTP: round-robin over the replicas, each checked on its readiness path every 500 ms (two
 *   failures take it out: a draining replica leaves within about a second); the client address
 *   passed on in X-Forwarded-For (replicas run with TRUST_PROXY_HOPS=1);
 * - a request whose connection failed (refused, reset before sending) is retried on another
 *   replica; a GET or HEAD also when the replica closed without answering or timed out. Other
 *   methods are never replayed once sent: a like replayed after its commit would answer "already
 *   liked" to a like that was in fact recorded, and a create would create twice;
 * - idle connections are closed by the side that would reuse them, never under its feet: clients
 *   are told to keep theirs 5 s (HAProxy replaces the services' `Keep-Alive: timeout=65` hint,
 *   which Node's fetch would trust), below HAProxy's http-keep-alive (10 s), itself far below the
 *   services' keepAliveTimeout (65 s: SERVER_TIMEOUTS);
 * - TCP (the broker): a client whose node dies or pauses reconnects through it to a live one (as
 *   a Kubernetes Service in front of the RabbitMQ pods does); sessions to a node marked down are
 *   closed, so clients notice at once;
 * - abnormal exchanges only are logged (errors, aborts, retries): what explains a lost request.
 */
export function haproxyConfig(backends: Backend[], ports: ReadonlyMap<string, number>, statsPort: number, idleTimeout = '30s'): string {
  const lines = [
    'global',
    '  maxconn 4096',
    '  log stdout format raw local0 info',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  option dontlog-normal',
    '  timeout connect 2s',
    // A live stream (text/event-stream) is an ordinary HTTP response to HAProxy: these idle
    // timeouts apply to it, not `timeout tunnel` (upgraded connections only). main's heartbeat
    // (LIVE_HEARTBEAT_SECONDS, 15 s) must stay below both.
    `  timeout client ${idleTimeout}`,
    `  timeout server ${idleTimeout}`,
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout check 2s',
    '',
  ];
  for (const backend of backends) {
    const servers = backend.servers.map((port, i) => `  server ${backend.name}${i + 1} 127.0.0.1:${port}`);
    if (backend.mode === 'tcp') {
      lines.push(
        `listen ${backend.name}`,
        '  mode tcp',
        '  option tcplog',
        `  bind 127.0.0.1:${ports.get(backend.name)}`,
        '  balance leastconn',
        // AMQP connections live for hours; heartbeats (seconds) keep them busy, these only bound a dead peer.
        '  timeout client 3h',
        '  timeout server 3h',
        '  retries 3',
        '  option redispatch 1',
        '  default-server check inter 1s fall 2 rise 2 on-marked-down shutdown-sessions',
        ...servers,
        '',
      );
      continue;
    }
    lines.push(
      `frontend ${backend.name}`,
      `  bind 127.0.0.1:${ports.get(backend.name)}`,
      `  default_backend ${backend.name}-replicas`,
      '',
      `backend ${backend.name}-replicas`,
      '  balance roundrobin',
      `  option httpchk GET ${backend.check ?? '/readyz'}`,
      '  http-check expect status 200',
      '  option forwardfor',
      '  http-response set-header Keep-Alive timeout=5',
      '  retries 3',
      '  option redispatch 1',
      '  retry-on conn-failure empty-response response-timeout',
      '  http-request disable-l7-retry unless METH_GET || METH_HEAD',
      '  default-server check inter 500ms fall 2 rise 2 pool-purge-delay 1s',
      ...servers,
      '',
    );
  }
  lines.push('listen stats', '  mode http', `  bind 127.0.0.1:${statsPort}`, '  stats enable', '  stats uri /stats', '');
  return lines.join('\n');
}

/** An HAProxy of a test's own (Debian's `haproxy`, in the foreground), one frontend on a free port per backend. Always `stop()` it. */
export class PrivateHaproxy {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'test-haproxy-'));
  /** HAProxy's log of abnormal exchanges, line by line. */
  readonly log: string[] = [];
  private child?: ChildProcess;
  private errors = '';
  private readonly ports = new Map<string, number>();
  private statsPort = 0;

  /** `idleTimeout`: HAProxy's client and server timeouts (default 30s), e.g. '3s' to see heartbeats keep a stream open. */
  constructor(
    private readonly backends: Backend[],
    private readonly options: { idleTimeout?: string } = {},
  ) {}

  /** Picks the frontends' ports before it starts (the services behind it may need its addresses first). */
  async reserve(): Promise<void> {
    for (const backend of this.backends) if (!this.ports.has(backend.name)) this.ports.set(backend.name, await freePort());
    if (!this.statsPort) this.statsPort = await freePort();
  }

  port(name: string): number {
    const port = this.ports.get(name);
    if (port === undefined) throw new Error(`no backend ${name} (or its ports are not reserved yet)`);
    return port;
  }

  /** The balancer's URL for an HTTP backend. */
  url(name: string): string {
    return `http://127.0.0.1:${this.port(name)}`;
  }

  async start(): Promise<void> {
    await this.reserve();
    const config = path.join(this.dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(this.backends, this.ports, this.statsPort, this.options.idleTimeout));
    const child = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      this.log.push(...lines);
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.errors = (this.errors + chunk.toString('utf8')).slice(-4000)));
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned) throw new Error("haproxy is missing: install Debian's haproxy package (.ci/run does)");
    guardAgainstOrphans(`${killIfStill(String(child.pid), this.dir)}; rm -rf ${this.dir}`);
    await eventually(async () => (await this.servers()).length > 0, { timeoutMs: 20_000, what: `haproxy to start: ${this.errors}` });
  }

  async servers(): Promise<ServerState[]> {
    if (!this.child || this.child.exitCode !== null) throw new Error(`haproxy is not running: ${this.errors}`);
    const res = await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`, { signal: AbortSignal.timeout(3000) });
    const [header, ...rows] = (await res.text()).trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    return rows
      .map((row) => row.split(','))
      .filter((cells) => !['FRONTEND', 'BACKEND'].includes(cells[at('svname')]!) && cells[at('pxname')] !== 'stats')
      .map((cells) => ({ backend: cells[at('pxname')]!, server: cells[at('svname')]!, status: cells[at('status')]! }));
  }

  /** Whether HAProxy sends traffic to the i-th server (from 1) of a backend. */
  async serverUp(name: string, index: number): Promise<boolean> {
    return (await this.servers()).some((s) => s.server === `${name}${index}` && s.status === 'UP');
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
