import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@catalogue/shared/testing';
import { guardAgainstOrphans, killIfStill, portOpen } from '../faults/harness/servers';

export interface Backend {
  /** Names the frontend and backend in the config (letters, digits, dashes). */
  name: string;
  /** The replicas' ports on 127.0.0.1. */
  servers: number[];
  /** Readiness path HAProxy checks each replica on. */
  check?: string;
}

/**
 * An HAProxy of a test's own (Debian's `haproxy`): one frontend on a free port per backend,
 * round-robin over its replicas with health checks, the client address passed on in
 * X-Forwarded-For (so replicas run with TRUST_PROXY_HOPS=1). Always `stop()` it.
 */
export class PrivateHaproxy {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'test-haproxy-'));
  private child?: ChildProcess;
  private readonly ports = new Map<string, number>();

  /** `idleTimeout`: HAProxy's client and server timeouts (default 30s), e.g. '3s' to see heartbeats keep a stream open. */
  constructor(
    private readonly backends: Backend[],
    private readonly options: { idleTimeout?: string } = {},
  ) {}

  /** The balancer's URL for a backend. */
  url(name: string): string {
    const port = this.ports.get(name);
    if (port === undefined) throw new Error(`no backend ${name}`);
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    for (const backend of this.backends) this.ports.set(backend.name, await freePort());
    const config = path.join(this.dir, 'haproxy.cfg');
    writeFileSync(config, this.config());
    const child = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    this.child = child;
    guardAgainstOrphans(killIfStill(String(child.pid), this.dir));
    const deadline = Date.now() + 20_000;
    for (const port of this.ports.values()) {
      while (!(await portOpen(port))) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`haproxy did not start: ${errors}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  private config(): string {
    const lines = [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  option forwardfor',
      '  timeout connect 2s',
      // A live stream (text/event-stream) is an ordinary HTTP response to HAProxy: these idle
      // timeouts apply to it, not `timeout tunnel` (upgraded connections only). main's heartbeat
      // (LIVE_HEARTBEAT_SECONDS, 15 s) must stay below both.
      `  timeout client ${this.options.idleTimeout ?? '30s'}`,
      `  timeout server ${this.options.idleTimeout ?? '30s'}`,
      // Below Node's keepAliveTimeout (5 s): HAProxy, not Node, closes idle connections first.
      '  timeout http-keep-alive 2s',
    ];
    for (const backend of this.backends) {
      lines.push(`frontend ${backend.name}`, `  bind 127.0.0.1:${this.ports.get(backend.name)}`, `  default_backend ${backend.name}-replicas`);
      lines.push(`backend ${backend.name}-replicas`, '  balance roundrobin', `  option httpchk GET ${backend.check ?? '/readyz'}`);
      backend.servers.forEach((port, i) => lines.push(`  server ${backend.name}${i + 1} 127.0.0.1:${port} check inter 500ms fall 2 rise 1`));
    }
    return `${lines.join('\n')}\n`;
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
