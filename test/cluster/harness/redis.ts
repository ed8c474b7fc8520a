import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '@catalogue/shared/testing';
import { freePort, guardAgainstOrphans, killIfStill, portOpen } from '../../faults/harness/servers';

/** A redis-server of the test's own (free port, no persistence), which a fault may stop and start again. */
export class PrivateRedis {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'cluster-redis-'));
  private child: ChildProcess | undefined;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    this.child = child;
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned) throw new Error("redis-server is missing: install Debian's redis-server package");
    if (child.pid) guardAgainstOrphans(killIfStill(String(child.pid), String(this.port)));
    await eventually(() => portOpen(this.port), { timeoutMs: 30_000, what: `redis-server on port ${this.port}` });
  }

  /** SIGTERM, as `systemctl stop` would: clients see their connections closed and then refused. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    const child = this.child;
    if (child && this.running) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
